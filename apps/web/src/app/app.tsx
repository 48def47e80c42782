export function App() {
  return (
    <main>
      <h1>Flotilla</h1>
      <p>A small payments ledger.</p>
    </main>
  );
}

export default App;
