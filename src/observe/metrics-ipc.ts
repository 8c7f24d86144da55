/**
 * Scrapes across the fork() IPC channel: the parent asks a child for its
 * metrics with {type: 'metrics', id} and the child answers
 * {type: 'metrics', id, text} with its registry's exposition text. A child
 * that does not answer in time is left out of that scrape.
 */

export interface MetricsRequest {
  type: 'metrics';
  id: number;
}

export interface MetricsReply {
  type: 'metrics';
  id: number;
  text: string;
}

/** What both ends of a fork() channel offer: `process` in the child, the ChildProcess in the parent. */
export interface IpcChannel {
  send?(message: unknown, callback?: (error: Error | null) => void): boolean;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  off(event: 'message', listener: (message: unknown) => void): unknown;
  readonly connected?: boolean;
}

function isRequest(m: unknown): m is MetricsRequest {
  return typeof m === 'object' && m !== null && (m as MetricsRequest).type === 'metrics' && typeof (m as MetricsRequest).id === 'number' && !('text' in m);
}

function isReply(m: unknown): m is MetricsReply {
  return typeof m === 'object' && m !== null && (m as MetricsReply).type === 'metrics' && typeof (m as MetricsReply).text === 'string';
}

/**
 * Child side: answers every metrics request on `channel` with `produce()`.
 * Does nothing without a channel (a process not started by fork()). Returns
 * a function that stops answering.
 */
export function answerMetricsRequests(channel: IpcChannel, produce: () => Promise<string>): () => void {
  if (typeof channel.send !== 'function') return () => undefined;
  const onMessage = (message: unknown): void => {
    if (!isRequest(message)) return;
    const { id } = message;
    produce().then(
      (text) => sendQuietly(channel, { type: 'metrics', id, text }),
      // a failing collector must not leave the parent waiting for the timeout
      (error: Error) => sendQuietly(channel, { type: 'metrics', id, text: `# metrics of this process failed: ${String(error.message).replace(/\n/g, ' ')}\n` }),
    );
  };
  channel.on('message', onMessage);
  return () => channel.off('message', onMessage);
}

/** Send without waiting or failing: the other end may be gone by now (its exit is handled elsewhere). */
export function sendQuietly(channel: IpcChannel, message: unknown): void {
  if (channel.connected === false) return;
  try {
    // a closed channel reports through the callback (or throws), never as an 'error' event
    channel.send?.(message, () => undefined);
  } catch {
    // channel closed under us
  }
}

let nextId = 1;
/** Scrapes under way per channel: concurrent scrapes share one request. */
const inFlight = new WeakMap<IpcChannel, Promise<string | undefined>>();

/** Parent side: the child's exposition text, or undefined when it cannot be asked or does not answer within `timeoutMs`. */
export function requestMetrics(channel: IpcChannel | undefined, timeoutMs: number): Promise<string | undefined> {
  if (!channel || channel.connected === false || typeof channel.send !== 'function') return Promise.resolve(undefined);
  const pending = inFlight.get(channel);
  if (pending) return pending;
  const id = nextId++;
  let settled = false;
  const answer = new Promise<string | undefined>((resolve) => {
    const done = (text: string | undefined): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      channel.off('message', onMessage);
      inFlight.delete(channel);
      resolve(text);
    };
    const onMessage = (message: unknown): void => {
      if (isReply(message) && message.id === id) done(message.text);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    channel.on('message', onMessage);
    try {
      channel.send!({ type: 'metrics', id } satisfies MetricsRequest, (error) => {
        if (error) done(undefined);
      });
    } catch {
      done(undefined);
    }
  });
  // a send that failed at once has already settled it
  if (!settled) inFlight.set(channel, answer);
  return answer;
}
