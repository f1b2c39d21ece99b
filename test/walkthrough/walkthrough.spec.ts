import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServerProcess, ensureBuilt } from '../support/server-process';
import { WalkthroughShell, extractBlocks } from './walkthrough';

/**
 * `npm run test:walkthrough`: runs the README's "Walkthrough with curl" blocks marked
 * ```bash walkthrough, in order, in one bash, against a fresh `node dist/src/main.js` started as
 * the README says, and fails on any HTTP status other than the block's `# expect:` lines.
 */

const ADMIN_EMAIL = 'admin@example.com';
const ADMIN_PASSWORD = 'change-this-admin-password';
const blocks = extractBlocks(readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8'));

jest.setTimeout(240_000);

describe('README walkthrough', () => {
  let server: ServerProcess;
  let shell: WalkthroughShell;
  let work: string;
  let statusFile: string;

  beforeAll(async () => {
    ensureBuilt();
    server = ServerProcess.spawn({
      env: { ARGUS_ADMIN_EMAIL: ADMIN_EMAIL, ARGUS_ADMIN_PASSWORD: ADMIN_PASSWORD, WEBHOOK_ALLOW_PRIVATE: 'true' },
    });
    const base = await server.listening(180_000);
    work = mkdtempSync(join(tmpdir(), 'argus-walk-'));
    statusFile = join(work, 'statuses');
    shell = new WalkthroughShell(work, { PATH: process.env.PATH ?? '', HOME: work }, statusFile);
    await shell.run(`ARGUS=${base}`, 10_000);
  }, 240_000);

  afterAll(async () => {
    shell?.close();
    await server?.dispose();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('has marked blocks, each expecting at least one status', () => {
    expect(blocks.length).toBeGreaterThan(10);
    for (const block of blocks)
      expect({ line: block.line, expected: block.expected.length > 0 }).toEqual({ line: block.line, expected: true });
  });

  it.each(blocks.map((block) => [`${block.heading} (README.md:${block.line})`, block] as const))('%s', async (_name, block) => {
    writeFileSync(statusFile, '');
    const output = await shell.run(block.code, 60_000);
    const statuses = readFileSync(statusFile, 'utf8').split('\n').filter(Boolean).map(Number);
    const report = `README.md:${block.line}\n--- block ---\n${block.code}\n--- output ---\n${output}`;
    expect({ statuses, report }).toEqual({ statuses: block.expected, report });
  });
});
