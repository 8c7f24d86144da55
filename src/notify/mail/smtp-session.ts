/**
 * One alert's SMTP conversation, as keepalived's client has it (core/smtp.c SMTP_FSM): greeting 220, HELO 250,
 * MAIL FROM 250, one RCPT TO per recipient 250, DATA 354, the message 250, QUIT 221. A reply other than the one
 * expected is logged with keepalived's text and the conversation goes to QUIT; there is no retry and no queue.
 * Pure: the port feeds it what the server sent and writes what it returns.
 */

/** keepalived's receive buffer: a reply that does not fit in it ends the conversation. */
const RECEIVE_MAX = 1024;

type Stage = 'greeting' | 'HELO' | 'MAIL' | 'RCPT' | 'DATA' | 'BODY' | 'QUIT' | 'END';

const EXPECTED: Record<Exclude<Stage, 'END'>, { readonly code: number; readonly name: string }> = {
  greeting: { code: 220, name: '(E)SMTP' },
  HELO: { code: 250, name: 'HELO' },
  MAIL: { code: 250, name: 'MAIL' },
  RCPT: { code: 250, name: 'RCPT' },
  DATA: { code: 354, name: 'DATA' },
  BODY: { code: 250, name: 'BODY' },
  QUIT: { code: 221, name: 'QUIT' },
};

export interface SmtpConversation {
  /** keepalived's FMT_SMTP_HOST: `[address]:port`. */
  readonly server: string;
  readonly helo: string;
  readonly from: string;
  readonly recipients: readonly string[];
  /** The DATA block (alert-message.ts dataText), made when it is sent: its Date is then. */
  readonly data: () => string;
  /** -D: keepalived logs the connection and the successful sending only then. */
  readonly detail: boolean;
}

export interface SessionStep {
  /** What to write to the server, if anything. */
  readonly send?: string;
  readonly logs: readonly string[];
  /** The conversation is over: close the connection. */
  readonly done: boolean;
}

export class SmtpSession {
  private stage: Stage = 'greeting';
  private received = '';
  private nextRecipient = 0;

  constructor(private readonly c: SmtpConversation) {}

  /** The connection is up: the server speaks first. */
  connected(): SessionStep {
    return { logs: this.c.detail ? [`Remote SMTP server ${this.c.server} connected.`] : [], done: false };
  }

  /** Bytes from the server (latin1). */
  receive(chunk: string): SessionStep {
    if (this.received.length + chunk.length >= RECEIVE_MAX) {
      this.received = '';
      return this.quit([`Received buffer from remote SMTP server ${this.c.server} overflow our get read buffer length.`]);
    }
    this.received += chunk;
    const code = this.takeReply();
    if (code === undefined) return { logs: [], done: false };
    const logs: string[] = [];
    const stage = this.stage as Exclude<Stage, 'END'>;
    const expected = EXPECTED[stage];
    if (code !== expected.code) {
      logs.push(`Error processing ${expected.name} cmd on SMTP server ${this.c.server}. SMTP status code = ${code}`);
      // keepalived sends QUIT again at each wrong answer to QUIT; one is enough
      if (stage === 'QUIT') return { logs, done: true };
      this.stage = 'QUIT';
    } else this.advance(logs);
    if (this.stage === 'END') return { logs, done: true };
    return { send: this.command(), logs, done: false };
  }

  /** No reply within smtp_connect_timeout. */
  readTimeout(): SessionStep {
    const logs = [`Timeout reading data to remote SMTP server ${this.c.server}.`];
    if (this.stage === 'QUIT') return { logs, done: true };
    return this.quit(logs);
  }

  closedByServer(): SessionStep {
    return { logs: [`Remote SMTP server ${this.c.server} has closed the connection.`], done: true };
  }

  /**
   * The code of the first complete final reply line, the lines before it and itself taken from the buffer; multi-line
   * replies (`250-…`) are skipped. undefined until one is complete. The code is read as keepalived reads it: the first
   * three characters taken as digits, whatever they are.
   */
  private takeReply(): number | undefined {
    let start = 0;
    for (;;) {
      const end = this.received.indexOf('\r\n', start);
      if (end < 0) {
        this.received = this.received.slice(start);
        return undefined;
      }
      if (this.received[start + 3] === '-') {
        start = end + 2;
        continue;
      }
      const digit = (i: number): number => (this.received.charCodeAt(start + i) || 0) - 48;
      const code = digit(0) * 100 + digit(1) * 10 + digit(2);
      this.received = this.received.slice(end + 2);
      return code;
    }
  }

  private advance(logs: string[]): void {
    switch (this.stage) {
      case 'greeting':
        this.stage = 'HELO';
        return;
      case 'HELO':
        this.stage = 'MAIL';
        return;
      case 'MAIL':
        this.stage = 'RCPT';
        return;
      case 'RCPT':
        if (this.nextRecipient >= this.c.recipients.length) this.stage = 'DATA';
        return;
      case 'DATA':
        this.stage = 'BODY';
        return;
      case 'BODY':
        if (this.c.detail) logs.push('SMTP alert successfully sent.');
        this.stage = 'QUIT';
        return;
      default:
        this.stage = 'END';
    }
  }

  private command(): string {
    switch (this.stage) {
      case 'HELO':
        return `HELO ${this.c.helo}\r\n`;
      case 'MAIL':
        return `MAIL FROM:<${this.c.from}>\r\n`;
      case 'RCPT':
        return `RCPT TO:<${this.c.recipients[this.nextRecipient++]}>\r\n`;
      case 'DATA':
        return 'DATA\r\n';
      case 'BODY':
        return this.c.data();
      default:
        return 'QUIT\r\n';
    }
  }

  private quit(logs: string[]): SessionStep {
    this.stage = 'QUIT';
    return { send: 'QUIT\r\n', logs, done: false };
  }
}
