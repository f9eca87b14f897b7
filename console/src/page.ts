import type { ApiClient } from './api/client.js';
import { h } from './dom.js';
import { problemBox } from './problem.js';

export interface PageContext {
  api: ApiClient;
  apiUrl: string;
  /** The route's parameters: `#/jobs/abc` → ['abc']. */
  params: string[];
  /** Renders the page again (after an action). */
  refresh(): void;
}

export interface Rendered {
  node: Node;
  /** Render again after this many ms while the page stays open (live status). */
  pollMs?: number;
}

export type Page = (ctx: PageContext) => Promise<Rendered>;

/**
 * A button that runs an API action: disabled while it runs, then the page renders again; a refusal is shown
 * next to it as problem details.
 */
export function actionButton(
  label: string,
  run: () => Promise<unknown>,
  ctx: PageContext,
  attrs = {},
): HTMLElement {
  const slot = h('span', { class: 'action' });
  const button = h('button', { type: 'button', ...attrs }, label);
  button.addEventListener('click', async () => {
    button.disabled = true;
    slot.querySelector('.problem')?.remove();
    try {
      await run();
      ctx.refresh();
    } catch (error) {
      button.disabled = false;
      slot.append(problemBox(error));
    }
  });
  slot.append(button);
  return slot;
}

export function section(title: string, ...children: Array<Node | null | false | undefined>): HTMLElement {
  return h('section', {}, h('h2', {}, title), ...children);
}
