// Option checks shared by the EventSource class and EventStreamParser.

/** The TypeError for a bad member of `ctor`'s options, naming it. */
export function optionError(ctor, name, expected) {
  return new TypeError(`Failed to construct '${ctor}': option '${name}' must be ${expected}.`);
}

/** `maxBufferSize` as given (undefined: the engine's default), or throws. */
export function checkMaxBufferSize(ctor, v) {
  if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 4294967295)) {
    throw optionError(ctor, 'maxBufferSize', 'a whole number of bytes from 1 to 4294967295');
  }
  return v;
}
