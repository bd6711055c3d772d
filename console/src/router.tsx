import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';

export const BASE = '/console';

let setLocation: ((href: string) => void) | null = null;

/** Client-side navigation within /console (the server answers every such path with the console's page). */
export function navigate(to: string): void {
  history.pushState(null, '', to);
  setLocation?.(to);
}

/** The current path and query, re-rendered on navigation and on the browser's back and forward. */
export function useLocation(): URL {
  const [href, setHref] = useState(location.href);
  useEffect(() => {
    setLocation = () => setHref(location.href);
    const onPop = () => setHref(location.href);
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);
  return new URL(href);
}

/** A real link (middle-click, copy link, keyboard) that navigates in place on a plain click. */
export function Link(props: { href: string; children: ComponentChildren; class?: string }) {
  return (
    <a
      href={props.href}
      class={props.class}
      onClick={(event) => {
        if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
        event.preventDefault();
        navigate(props.href);
      }}
    >
      {props.children}
    </a>
  );
}

export const paths = {
  tenants: () => `${BASE}/tenants`,
  tenant: (slug: string) => `${BASE}/tenants/${encodeURIComponent(slug)}`,
  health: (slug: string) => `${BASE}/tenants/${encodeURIComponent(slug)}/health`,
  audit: (slug: string, filters: Record<string, string> = {}) => {
    const query = new URLSearchParams(filters).toString();
    return `${BASE}/tenants/${encodeURIComponent(slug)}/audit${query ? `?${query}` : ''}`;
  },
  attributes: (slug: string) => `${BASE}/tenants/${encodeURIComponent(slug)}/attributes`,
  webhooks: (slug: string) => `${BASE}/tenants/${encodeURIComponent(slug)}/webhooks`,
};
