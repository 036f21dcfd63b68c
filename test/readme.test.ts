import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The first ```ts block after the <!-- readme-<marker> --> comment. */
function readmeBlock(marker: string): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const match = new RegExp(`<!-- readme-${marker} -->\\s*\`\`\`ts\\n([\\s\\S]*?)\`\`\``).exec(readme);
  if (match?.[1] === undefined) throw new Error(`README has no <!-- readme-${marker} --> example`);
  return match[1];
}

describe('README', () => {
  it('should run the example as written and print what its comments say', async () => {
    const dir = join(root, 'test', '.generated');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'readme-example.ts');
    writeFileSync(file, readmeBlock('example'));
    const printed: unknown[][] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void printed.push(args));
    try {
      await import(/* @vite-ignore */ file);
    } finally {
      log.mockRestore();
    }
    expect(printed).toEqual([
      ['refund', 10],
      ['Compensated', ['debit']],
    ]);
  });

  it('should define the saga of "Defining a saga" as written, given the participants it imports', async () => {
    const dir = join(root, 'test', '.generated', 'readme-define');
    mkdirSync(dir, { recursive: true });
    // The calls the example imports from './participants.js': the user's own services.
    writeFileSync(
      join(dir, 'participants.ts'),
      ['reserve', 'release', 'charge', 'refund', 'confirm', 'ship', 'email']
        .map((name) => `export const ${name} = () => '${name}';\n`)
        .join(''),
    );
    const file = join(dir, 'orderFulfillment.ts');
    writeFileSync(file, readmeBlock('define'));
    const { orderFulfillment } = (await import(/* @vite-ignore */ file)) as {
      orderFulfillment: { name: string; pivot: string | undefined; steps: { name: string }[] };
    };
    expect(orderFulfillment.name).toBe('order-fulfillment');
    expect(orderFulfillment.steps.map((s) => s.name)).toEqual([
      'reserveInventory',
      'chargePayment',
      'fraudCheck',
      'confirmOrder',
      'fulfil',
    ]);
  });
});
