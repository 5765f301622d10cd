// Light, dark or the system's: a person's own choice (kept in this browser, per person), else
// their workspace's default, else the system setting. The page's colours follow
// `<html data-theme>`; charts read the resolved theme from `ThemeContext`.
import { createContext, useEffect, useState, useSyncExternalStore } from "react";
import type { Branding, Theme } from "./wire";

export type Resolved = "light" | "dark";

export const ThemeContext = createContext<Resolved>("light");

const personKey = (user: string) => `flexboard.theme.${user}`;
const workspaceKey = (tenant: string) => `flexboard.workspace-theme.${tenant}`;

function read(key: string): Theme | null {
  try {
    const value = localStorage.getItem(key);
    return value === "light" || value === "dark" || value === "system" ? value : null;
  } catch {
    return null;
  }
}

function write(key: string, value: Theme | null) {
  try {
    if (value) localStorage.setItem(key, value);
    else localStorage.removeItem(key);
  } catch {
    // Storage refused (private mode): the choice lasts for this page only.
  }
}

const darkQuery = () => window.matchMedia("(prefers-color-scheme: dark)");

function useSystemDark(): boolean {
  return useSyncExternalStore(
    (notify) => {
      const query = darkQuery();
      query.addEventListener("change", notify);
      return () => query.removeEventListener("change", notify);
    },
    () => darkQuery().matches,
  );
}

/** The theme in force for `user` in `tenant`, and how to change the person's own choice. */
export function useTheme(user: string | null, tenant: string | null) {
  const [own, setOwn] = useState<Theme | null>(() => (user ? read(personKey(user)) : null));
  const [workspace, setWorkspace] = useState<Theme | null>(() =>
    tenant ? read(workspaceKey(tenant)) : null,
  );
  const [seen, setSeen] = useState({ user, tenant });
  if (seen.user !== user || seen.tenant !== tenant) {
    // Another person or workspace: their own choices, read afresh.
    setSeen({ user, tenant });
    setOwn(user ? read(personKey(user)) : null);
    setWorkspace(tenant ? read(workspaceKey(tenant)) : null);
  }
  const systemDark = useSystemDark();
  const choice = own ?? workspace ?? "system";
  const resolved: Resolved = choice === "system" ? (systemDark ? "dark" : "light") : choice;
  useEffect(() => {
    document.documentElement.dataset.theme = resolved;
  }, [resolved]);
  return {
    own,
    workspace,
    resolved,
    choose(next: Theme | null) {
      if (user) write(personKey(user), next);
      setOwn(next);
    },
    /** The workspace default, as its branding says; remembered for next time. */
    learnWorkspace(next: Theme | null) {
      if (!tenant || next === workspace) return;
      write(workspaceKey(tenant), next);
      setWorkspace(next);
    },
  };
}

/** Lets the dashboard on screen put its own branding over the workspace's (`null` on leaving). */
export const DashboardBrandingContext = createContext<(branding: Branding | null) => void>(() => {});
