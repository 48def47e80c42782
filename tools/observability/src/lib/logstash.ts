/**
 * Just enough of Logstash's pipeline configuration grammar to check the
 * pipelines in docker/elk/logstash/pipeline without Logstash: sections,
 * plugins, conditionals and their `name => value` settings, with comments,
 * quoted strings and the regex literals of conditions (`=~ /^\s*\{/`) read
 * as single tokens, so braces inside them do not count.
 */

export interface LogstashBlock {
  /** The words before the `{`: `output`, `elasticsearch`, `if [a] == "b"`, `else`, `copy =>`. */
  header: string;
  parent?: LogstashBlock;
  children: LogstashBlock[];
  /** `name => value` settings written directly in this block (values as written, quotes removed). */
  settings: Record<string, string>;
}

type Token = { kind: 'word' | 'string' | 'regex' | 'open' | 'close' | 'arrow' | 'bracket'; text: string };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (/\s/.test(c) || c === ',') {
      i++;
    } else if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < text.length && text[j] !== c) j += text[j] === '\\' ? 2 : 1;
      tokens.push({ kind: 'string', text: text.slice(i + 1, j) });
      i = j + 1;
    } else if (c === '/' && tokens.at(-1)?.kind === 'word' && /^[=!]~$/.test(tokens.at(-1)?.text ?? '')) {
      let j = i + 1;
      while (j < text.length && text[j] !== '/') j += text[j] === '\\' ? 2 : 1;
      tokens.push({ kind: 'regex', text: text.slice(i, j + 1) });
      i = j + 1;
    } else if (c === '{' || c === '}') {
      tokens.push({ kind: c === '{' ? 'open' : 'close', text: c });
      i++;
    } else if (c === '[' || c === ']') {
      tokens.push({ kind: 'bracket', text: c });
      i++;
    } else if (text.startsWith('=>', i)) {
      tokens.push({ kind: 'arrow', text: '=>' });
      i += 2;
    } else {
      let j = i;
      while (j < text.length && !/[\s{}[\]"',#]/.test(text[j] as string) && !text.startsWith('=>', j)) j++;
      tokens.push({ kind: 'word', text: text.slice(i, j) });
      i = j;
    }
  }
  return tokens;
}

/** Parses a pipeline file into its top-level blocks (input, filter, output). */
export function parseLogstash(text: string): LogstashBlock[] {
  const root: LogstashBlock = { header: '', children: [], settings: {} };
  let current = root;
  let pending: Token[] = [];
  const tokens = tokenize(text);
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as Token;
    if (token.kind === 'open') {
      const block: LogstashBlock = {
        header: pending.map((t) => (t.kind === 'string' ? `"${t.text}"` : t.text)).join(' ').replace(/\[ /g, '[').replace(/ \]/g, ']').replace(/\] \[/g, '][').replace(/! \[/g, '!['),
        parent: current,
        children: [],
        settings: {},
      };
      current.children.push(block);
      current = block;
      pending = [];
    } else if (token.kind === 'close') {
      if (!current.parent) throw new Error('unbalanced } in Logstash config');
      current = current.parent;
      pending = [];
    } else if (token.kind === 'arrow') {
      const name = pending.at(-1)?.text ?? '';
      const next = tokens[i + 1];
      if (next && next.kind !== 'open' && next.kind !== 'bracket') {
        current.settings[name] = next.text;
        i++;
        pending = [];
      } else if (next?.kind === 'bracket') {
        // An array value: its elements, joined with spaces.
        const items: string[] = [];
        let j = i + 2;
        while (j < tokens.length && (tokens[j] as Token).text !== ']') items.push((tokens[j++] as Token).text);
        current.settings[name] = items.join(' ');
        i = j;
        pending = [];
      } else {
        pending = [{ kind: 'word', text: `${name} =>` }];
      }
    } else {
      pending.push(token);
    }
  }
  if (current !== root) throw new Error('unbalanced { in Logstash config');
  return root.children;
}

export function walkBlocks(blocks: LogstashBlock[]): LogstashBlock[] {
  return blocks.flatMap((block) => [block, ...walkBlocks(block.children)]);
}

/** The `elasticsearch` output plugins of a pipeline. */
export function elasticsearchOutputs(blocks: LogstashBlock[]): LogstashBlock[] {
  return walkBlocks(blocks.filter((b) => b.header === 'output')).filter((b) => b.header === 'elasticsearch');
}

/** The conditions (`if …`, `else if …`, `else`) a block sits under, innermost first. */
export function enclosingConditions(block: LogstashBlock): string[] {
  const out: string[] = [];
  for (let b = block.parent; b; b = b.parent) if (/^(if|else)\b/.test(b.header)) out.push(b.header);
  return out;
}

/**
 * Finding 3: with data_stream auto-routing on (the default), an event's own
 * data_stream.* fields choose the data stream (Elasticsearch's deprecation
 * logs carry `data_stream.dataset: deprecation.elasticsearch`), where the
 * writer role may not write: a 403, which Logstash retries forever. Every
 * data-stream output must turn it off.
 */
export function autoRoutingProblems(name: string, blocks: LogstashBlock[]): string[] {
  return elasticsearchOutputs(blocks)
    .filter((out) => out.settings['data_stream'] === 'true')
    .filter((out) => out.settings['data_stream_auto_routing'] !== 'false')
    .map((out) => `${name}: output ${out.settings['id'] ?? 'elasticsearch'} routes by the event's data_stream fields (set data_stream_auto_routing => false)`);
}

/**
 * Finding 8: the raw line goes to event.original only for lines that failed
 * to parse; a parsed line's fields already hold it. Every copy of `message`
 * into `[event][original]` must sit under a condition on _jsonparsefailure.
 */
export function originalCopyProblems(name: string, blocks: LogstashBlock[]): string[] {
  return walkBlocks(blocks)
    .filter((b) => b.header === 'copy =>' && b.settings['message'] === '[event][original]')
    .filter((b) => !enclosingConditions(b).some((c) => c.includes('_jsonparsefailure')))
    .map(() => `${name}: every line's message is copied to [event][original] (keep it only for lines that failed to parse)`);
}
