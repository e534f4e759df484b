// `import 'wasm-eventsource/iterate'` loads the `for await` part of
// EventSource up front (for module service workers); it exports nothing.
export {};
