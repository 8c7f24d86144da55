/** What every decoder here returns: the value, or why the bytes were refused. Decoders never throw on input bytes. */
export type Decoded<T, R> = { ok: true; value: T } | { ok: false; rejection: R };

export const accept = <T>(value: T): { ok: true; value: T } => ({ ok: true, value });
export const reject = <R>(rejection: R): { ok: false; rejection: R } => ({ ok: false, rejection });
