// `for await (const message of source)`: the iteration front end of an
// EventSource, loaded on first use. The class registers a recorder for each
// loop at once (so the loop sees every message from then on) and this
// module takes it over: messages wait in a queue per loop; a loop that
// falls `highWaterMark` messages behind makes the driver stop reading the
// response (it awaits the promise `feed` returns), so a slow consumer holds
// memory to a bound and TCP pushes back on the server.

const DONE = Object.freeze({ value: undefined, done: true });

class MessageIterator {
  #types;
  #highWaterMark;
  #detach;
  #queue = [];
  #head = 0;
  /** The pending next() of a consumer that caught up: { resolve, reject }. */
  #waiting = null;
  #ended = false;
  #error = null;
  #drained = null;
  #resumeDriver = null;

  constructor(types, highWaterMark, detach) {
    this.#types = types;
    this.#highWaterMark = highWaterMark;
    this.#detach = detach;
  }

  /**
   * Queues the wanted messages of one chunk (parts as core.js `events()`
   * gives them); returns a promise, settled once the loop has caught up
   * halfway, when it is `highWaterMark` messages behind.
   */
  feed(parts, origin) {
    for (let i = 0, n = parts.length - 1; i < n; i += 3) {
      const type = parts[i + 1];
      if (this.#ended || (this.#types && !this.#types.has(type))) continue;
      const message = { type, data: parts[i], lastEventId: parts[i + 2], origin };
      if (this.#waiting) {
        const { resolve } = this.#waiting;
        this.#waiting = null;
        resolve({ value: message, done: false });
      } else {
        this.#queue.push(message);
      }
    }
    if (this.#length < this.#highWaterMark) return undefined;
    return (this.#drained ??= new Promise((resolve) => {
      this.#resumeDriver = resolve;
    }));
  }

  get #length() {
    return this.#queue.length - this.#head;
  }

  #release() {
    if (this.#resumeDriver) {
      this.#resumeDriver();
      this.#resumeDriver = null;
      this.#drained = null;
    }
  }

  /**
   * No more messages: `error` is thrown once those queued are taken (null
   * ends the loop quietly); `drop` discards those queued (the source was
   * closed: events queued for dispatch are dropped).
   */
  end(error, drop) {
    if (this.#ended) return;
    this.#ended = true;
    this.#error = error;
    if (drop) {
      this.#queue = [];
      this.#head = 0;
    }
    this.#release();
    if (this.#waiting && this.#length === 0) {
      const { resolve, reject } = this.#waiting;
      this.#waiting = null;
      if (error) {
        this.#error = null;
        reject(error);
      } else {
        resolve(DONE);
      }
    }
  }

  next() {
    if (this.#length > 0) {
      const value = this.#queue[this.#head];
      this.#queue[this.#head++] = undefined;
      if (this.#head === this.#queue.length) {
        this.#queue.length = 0;
        this.#head = 0;
      } else if (this.#head > 4096 && this.#head * 2 > this.#queue.length) {
        this.#queue = this.#queue.slice(this.#head);
        this.#head = 0;
      }
      if (this.#resumeDriver && this.#length <= this.#highWaterMark / 2) this.#release();
      return Promise.resolve({ value, done: false });
    }
    if (this.#ended) {
      const error = this.#error;
      this.#error = null;
      return error ? Promise.reject(error) : Promise.resolve(DONE);
    }
    return new Promise((resolve, reject) => {
      this.#waiting = { resolve, reject };
    });
  }

  /** Leaving the loop (break, return, an exception) closes the source. */
  return() {
    this.end(null, true);
    this.#detach();
    return Promise.resolve(DONE);
  }
}

/**
 * Takes over `recorder`, which the class filled until now:
 * `{ types, highWaterMark, detach, backlog: [[parts, origin]...], ended }`.
 * From here on the class calls the recorder's `feed(parts, origin)` and
 * `end(error, drop)`; returns the loop's iterator. `recorder.behind` is what
 * feeding the backlog gave: the promise of the loop catching up when the
 * backlog put it `highWaterMark` behind (the driver, which stopped reading
 * while the module loaded, waits for it too).
 */
export function iterate(recorder) {
  const it = new MessageIterator(recorder.types, recorder.highWaterMark, recorder.detach);
  for (const [parts, origin] of recorder.backlog) recorder.behind = it.feed(parts, origin);
  recorder.backlog = null;
  recorder.feed = (parts, origin) => it.feed(parts, origin);
  recorder.end = (error, drop) => it.end(error, drop);
  if (recorder.ended) it.end(...recorder.ended);
  return it;
}
