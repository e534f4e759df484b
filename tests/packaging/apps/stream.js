// The app every browser fixture runs, whatever loads the package: open the
// scripted stream `/sse/{name}` with a custom header, wait for its named
// event `greet`, and report what arrived. `name` comes from the page's
// query string; the packaging test scripts the stream and checks the header.
export function stream(EventSource, name) {
  return new Promise((resolve) => {
    const es = new EventSource(`/sse/${name}`, { headers: { 'X-App': name } });
    es.addEventListener('greet', (e) => {
      resolve({ type: e.type, data: e.data, lastEventId: e.lastEventId, isMessageEvent: e instanceof MessageEvent });
      es.close();
    });
    es.onerror = (e) => {
      resolve({ error: e.message, reason: e.reason });
      es.close();
    };
  });
}
