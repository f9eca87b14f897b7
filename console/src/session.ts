import { type ApiClient, ApiProblem, apiClient, must } from './api/client.js';

const KEY = 'media-pipeline.apiKey';
const URL_KEY = 'media-pipeline.apiUrl';

export interface Session {
  apiUrl: string;
  api: ApiClient;
}

/** Where the API is: config.json next to the console (the cloud site's deployment writes it), else this origin. */
export async function configuredApiUrl(): Promise<string> {
  try {
    const response = await fetch('config.json', { cache: 'no-store' });
    if (response.ok) {
      const config = (await response.json()) as { apiUrl?: string };
      if (config.apiUrl) return config.apiUrl.replace(/\/$/, '');
    }
  } catch {
    // No config: the console is served by the API itself (npm start).
  }
  return window.location.origin;
}

/**
 * A key handed over in the URL fragment (`#key=…`, what `npm start` prints) is taken once and removed from
 * the address bar; fragments are never sent to a server, so the key stays out of request logs.
 */
export function takeKeyFromFragment(): void {
  const match = /^#key=([^&]+)/.exec(window.location.hash);
  if (!match?.[1]) return;
  sessionStorage.setItem(KEY, decodeURIComponent(match[1]));
  history.replaceState(null, '', `${window.location.pathname}${window.location.search}#/jobs`);
}

export function storedSession(apiUrl: string): Session | undefined {
  const key = sessionStorage.getItem(KEY);
  const url = sessionStorage.getItem(URL_KEY) ?? apiUrl;
  return key ? { apiUrl: url, api: apiClient(url, key) } : undefined;
}

/** Checks the key against the API before keeping it; a wrong key throws ApiProblem (401/403). */
export async function signIn(apiUrl: string, key: string): Promise<Session> {
  const url = apiUrl.replace(/\/$/, '');
  const api = apiClient(url, key);
  await must(api.GET('/jobs', { params: { query: { limit: '1' } } }));
  sessionStorage.setItem(KEY, key);
  sessionStorage.setItem(URL_KEY, url);
  return { apiUrl: url, api };
}

export function signOut(): void {
  sessionStorage.removeItem(KEY);
}

export function signInMessage(error: unknown): string {
  if (error instanceof ApiProblem && error.isAuthFailure)
    return `The API did not accept this key (${error.status} ${error.problem.title}). Check the key and try again.`;
  if (error instanceof ApiProblem) return error.message;
  return String(error);
}
