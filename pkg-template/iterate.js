// `for await (const message of source)`: the iteration front end of an
// EventSource. Messages wait in a queue per loop; a loop that falls
// `highWaterMark` messages behind makes the driver stop reading the
// response (it awaits `drained()`), so a slow consumer holds memory to a
// bound and TCP pushes back on the server.

/** Thrown out of a `for await` loop when its source fails; carries the error event's details. */
export class EventSourceError extends Error {
  constructor(details) {
    super(details.message);
    this.name = 'EventSourceError';
    this.reason = details.reason;
    this.status = details.status;
    this.attempt = details.attempt;
    this.gaveUp = details.gaveUp;
  }
}

// The build minifies names away (it keeps none, for size): keep this one.
Object.defineProperty(EventSourceError, 'name', { value: 'EventSourceError' });

const DONE = Object.freeze({ value: undefined, done: true });

export class MessageIterator {
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

  /** Whether a message of `type` would be queued (checked before one is built). */
  wants(type) {
    return !this.#ended && (!this.#types || this.#types.has(type));
  }

  /** Queues a message that `wants()` accepted, or hands it to a waiting next(). */
  push(message) {
    if (this.#waiting) {
      const { resolve } = this.#waiting;
      this.#waiting = null;
      resolve({ value: message, done: false });
    } else {
      this.#queue.push(message);
    }
  }

  get #length() {
    return this.#queue.length - this.#head;
  }

  /** Whether the driver should stop reading until drained(). */
  get full() {
    return this.#length >= this.#highWaterMark;
  }

  drained() {
    return (this.#drained ??= new Promise((resolve) => {
      this.#resumeDriver = resolve;
    }));
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

  [Symbol.asyncIterator]() {
    return this;
  }
}
