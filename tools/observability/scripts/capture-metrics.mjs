// Prints the sample names exposed by one or more /metrics URLs, one per line,
// sorted: the format of docker/prometheus/tests/exported-metrics.txt.
// Usage: node capture-metrics.mjs URL...
const urls = process.argv.slice(2);
if (urls.length === 0) {
  console.error('usage: capture-metrics.mjs URL...');
  process.exit(2);
}
const names = new Set();
for (const url of urls) {
  const response = await fetch(url);
  if (!response.ok) {
    console.error(`${url}: HTTP ${response.status}`);
    process.exit(1);
  }
  for (const line of (await response.text()).split('\n')) {
    const match = /^([A-Za-z_:][A-Za-z0-9_:]*)/.exec(line.trim());
    if (match && !line.startsWith('#')) names.add(match[1]);
  }
}
console.log(`# Sample names exposed by ${urls.join(' ')} (captured ${new Date().toISOString()}).`);
console.log([...names].sort().join('\n'));
