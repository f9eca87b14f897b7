import { ApiProblem, type Problem } from './api/client.js';
import { h } from './dom.js';

/** Problem details as a person reads them: what went wrong, why, and which fields — never raw JSON. */
export function problemBox(error: unknown): HTMLElement {
  const problem: Partial<Problem> | undefined =
    error instanceof ApiProblem ? error.problem : isProblemLike(error) ? error : undefined;
  if (!problem) {
    return h(
      'div',
      { class: 'problem', role: 'alert' },
      h('strong', {}, 'Something went wrong'),
      h('p', {}, String(error)),
    );
  }
  return h(
    'div',
    { class: 'problem', role: 'alert', 'data-status': problem.status },
    h('strong', {}, problem.title, problem.status ? ` (${problem.status})` : ''),
    problem.detail ? h('p', {}, problem.detail) : null,
    problem.errors?.length
      ? h(
          'ul',
          {},
          ...problem.errors.map((e) => h('li', {}, h('code', {}, e.path || '(body)'), ` ${e.message}`)),
        )
      : null,
    problem.code ? h('p', { class: 'code' }, 'code ', h('code', {}, problem.code)) : null,
  );
}

/** A job's error (title, code, detail) has the problem-details shape without a status. */
function isProblemLike(value: unknown): value is Partial<Problem> & { title: string } {
  return (
    typeof value === 'object' && value !== null && typeof (value as { title?: unknown }).title === 'string'
  );
}
