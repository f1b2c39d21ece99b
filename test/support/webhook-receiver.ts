import { IncomingHttpHeaders, Server, createServer } from 'node:http';

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  body: string;
}

const { verifyWebhookSignature } = require('./reference-webhook-verify.js') as {
  verifyWebhookSignature: (payload: string, signature: unknown, secret: unknown) => boolean;
};

/** A local HTTP endpoint that records what it receives and answers with the statuses it is told. */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  /** Statuses to answer, in order; 200 once they run out. */
  statuses: number[] = [];
  /**
   * When set, the receiver checks `x-webhook-signature` as the reference document's handler does
   * (its function, on `JSON.stringify(req.body)`, with this secret) and answers 401 when it fails.
   */
  secret?: string;
  /** When set, decides each answer's status (after `statuses` run out); for flaky receivers. */
  statusFor?: () => number;
  /** While set, answers wait for it (see `holdAnswers`). */
  private gate?: Promise<void>;
  /** Signature checks done, and how many passed. */
  readonly checks = { total: 0, passed: 0 };

  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly port: number,
  ) {}

  static async start(): Promise<WebhookReceiver> {
    let receiver: WebhookReceiver | undefined;
    const server = createServer((req, res) => {
      let body = '';
      const answer = (): void => {
        if (receiver?.secret !== undefined && !receiver.referenceHandlerAccepts(req.headers, body)) {
          res.statusCode = 401;
          res.end('Invalid signature');
          return;
        }
        res.statusCode = receiver?.statuses.shift() ?? receiver?.statusFor?.() ?? 200;
        res.end();
      };
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        receiver?.received.push({ headers: req.headers, body });
        const gate = receiver?.gate;
        if (gate) void gate.then(answer);
        else answer();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    receiver = new WebhookReceiver(server, `http://127.0.0.1:${port}/hooks`, port);
    return receiver;
  }

  /** The reference handler: `req.body` is the parsed JSON, re-serialised before the check. */
  private referenceHandlerAccepts(headers: IncomingHttpHeaders, rawBody: string): boolean {
    this.checks.total++;
    const req = { headers, body: JSON.parse(rawBody) };
    const signature = req.headers['x-webhook-signature'];
    let isValid = false;
    try {
      isValid = verifyWebhookSignature(JSON.stringify(req.body), signature, this.secret);
    } catch {
      isValid = false; // timingSafeEqual throws on a length mismatch (Express would answer 500)
    }
    if (isValid) this.checks.passed++;
    return isValid;
  }

  /**
   * Requests are recorded at once but answered only after the returned release is called: a test
   * can act between a delivery's arrival and its outcome without racing the retry schedule.
   */
  holdAnswers(): () => void {
    let release!: () => void;
    this.gate = new Promise<void>((resolve) => (release = resolve));
    return () => {
      this.gate = undefined;
      release();
    };
  }

  /** Bounded generously: deliveries take many times longer on a loaded machine than on an idle one. */
  async waitFor(count: number, timeoutMs = 30_000): Promise<ReceivedWebhook[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length < count) {
      if (Date.now() > deadline) throw new Error(`received ${this.received.length} of ${count} webhooks`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return this.received;
  }

  /** Stops listening and drops open connections: senders get connection refused until `comeUp`. */
  goDown(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    return closed;
  }

  /** Listens again on the same port. */
  comeUp(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.port, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  close(): Promise<void> {
    if (!this.server.listening) return Promise.resolve();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    return closed;
  }
}
