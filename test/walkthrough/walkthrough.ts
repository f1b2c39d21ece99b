import { ChildProcess, spawn } from 'node:child_process';

/** A README block marked ```bash walkthrough, with the HTTP status each of its curls must get. */
export interface WalkthroughBlock {
  heading: string;
  line: number;
  code: string;
  expected: number[];
}

const FENCE = /^```bash walkthrough\s*$/;
const EXPECT = /^\s*# expect: (\d{3})\s*$/;

/**
 * The marked blocks of a README, in order. Each `# expect: NNN` line names the status of the next
 * curl call in the block; a block must expect exactly as many statuses as it makes calls.
 */
export function extractBlocks(markdown: string): WalkthroughBlock[] {
  const blocks: WalkthroughBlock[] = [];
  const lines = markdown.split('\n');
  let heading = '';
  for (let i = 0; i < lines.length; i++) {
    if (/^#{2,4} /.test(lines[i])) heading = lines[i].replace(/^#+ /, '');
    if (!FENCE.test(lines[i])) continue;
    const start = i + 1;
    const body: string[] = [];
    for (i = start; i < lines.length && !/^\s*```\s*$/.test(lines[i]); i++) body.push(lines[i]);
    const indent = Math.min(...body.filter((l) => l.trim()).map((l) => l.length - l.trimStart().length));
    const code = body.map((l) => l.slice(indent)).join('\n');
    const expected = body.map((l) => EXPECT.exec(l)).flatMap((m) => (m ? [Number(m[1])] : []));
    blocks.push({ heading, line: start, code, expected });
  }
  return blocks;
}

/**
 * One bash for the whole walkthrough, so variables carry from block to block. `curl` is wrapped
 * by a function that records each call's HTTP status in a file (also from inside `$(...)`) and
 * otherwise behaves as curl does. Calls are paced at a person's speed (0.25 s apart): at machine
 * speed the unauthenticated calls outran the anonymous burst limit (5 per second) and got 429s.
 */
export class WalkthroughShell {
  private output = '';
  private readonly child: ChildProcess;

  constructor(cwd: string, env: Record<string, string>, statusFile: string) {
    this.child = spawn('bash', ['--noprofile', '--norc'], {
      cwd,
      env: { ...env, WALK_STATUS: statusFile },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (this.output += chunk));
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.output += chunk));
    this.child.stdin!.write(
      [
        'set -o pipefail',
        `curl() {`,
        `  sleep 0.25`,
        `  local out; out=$(command curl --max-time 20 -w '\\n__WALK_STATUS__%{http_code}' "$@"); local rc=$?`,
        `  echo "\${out##*__WALK_STATUS__}" >> "$WALK_STATUS"`,
        `  printf '%s\\n' "\${out%__WALK_STATUS__*}"`,
        `  return $rc`,
        `}`,
        '',
      ].join('\n'),
    );
  }

  /** Runs one block; resolves with its output once bash reaches the end marker (bounded). */
  async run(code: string, timeoutMs: number): Promise<string> {
    const marker = `__WALK_DONE_${Math.random().toString(36).slice(2)}__`;
    const from = this.output.length;
    this.child.stdin!.write(`${code}\necho; echo ${marker}\n`);
    const deadline = Date.now() + timeoutMs;
    while (!this.output.includes(marker, from)) {
      if (this.child.exitCode !== null) throw new Error(`bash exited ${this.child.exitCode}:\n${this.output.slice(from)}`);
      if (Date.now() > deadline) throw new Error(`block did not finish within ${timeoutMs} ms:\n${this.output.slice(from)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return this.output.slice(from, this.output.indexOf(marker, from));
  }

  close(): void {
    this.child.stdin!.end();
    this.child.kill('SIGKILL');
  }
}
