import { useEffect, useState } from "react";
import {
  HashRouter,
  Link,
  NavLink,
  Navigate,
  Outlet,
  Route,
  Routes,
  useNavigate,
  useParams,
} from "react-router";
import { QueryClient, useQuery, useQueryClient } from "@tanstack/react-query";
import { ApiError, can, getJson, sendJson, setCsrfToken } from "./api";
import type { Branding, DashboardList, Me, Theme, WorkspaceBranding } from "./wire";
import { DashboardBrandingContext, ThemeContext, useTheme } from "./theme";
import { BrandContext, logoPath, lookOf, paletteOf, useApplyLook } from "./branding";
import { Admin } from "./Admin";
import { SignIn } from "./SignIn";
import { Account } from "./pages/Account";
import { DashboardIndex } from "./pages/DashboardIndex";
import { DashboardView } from "./pages/DashboardView";
import { ReportView } from "./pages/ReportView";

/// Drops cached answers of the previous person or workspace, keeping `keep`.
function forgetAllBut(queryClient: QueryClient, keep: string) {
  queryClient.removeQueries({ predicate: (query) => query.queryKey[0] !== keep });
}

export function App() {
  const queryClient = useQueryClient();
  const me = useQuery({
    queryKey: ["me"],
    queryFn: async () => {
      try {
        return await getJson<Me>("/api/v1/auth/me");
      } catch (e) {
        if (e instanceof ApiError && e.status === 401) return null;
        throw e;
      }
    },
    staleTime: Infinity,
  });
  useEffect(() => setCsrfToken(me.data?.csrf_token ?? null), [me.data]);
  const theme = useTheme(me.data?.user.id ?? null, me.data?.tenant?.id ?? null);

  if (me.isError)
    return (
      <div className="error" role="alert">
        {me.error.message}
      </div>
    );
  if (me.data === undefined) return <div className="loading">Loading…</div>;
  if (me.data === null) {
    return (
      <SignIn
        onSignedIn={(signedIn) => {
          setCsrfToken(signedIn.csrf_token);
          queryClient.setQueryData(["me"], signedIn);
          forgetAllBut(queryClient, "me");
        }}
      />
    );
  }
  return (
    <ThemeContext.Provider value={theme.resolved}>
      <HashRouter>
        <SignedIn me={me.data} theme={theme} />
      </HashRouter>
    </ThemeContext.Provider>
  );
}

function SignedIn({ me, theme }: { me: Me; theme: ReturnType<typeof useTheme> }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const branding = useQuery({
    queryKey: ["branding", me.tenant?.id],
    queryFn: () => getJson<WorkspaceBranding>("/api/v1/branding"),
    enabled: me.tenant !== null,
    staleTime: 60_000,
  });
  // The dashboard on screen may brand itself over the workspace.
  const [dashboardBranding, setDashboardBranding] = useState<Branding | null>(null);
  const look = lookOf(branding.data, dashboardBranding);
  useApplyLook(look);
  const workspaceTheme = dashboardBranding?.theme ?? branding.data?.theme ?? null;
  const learnWorkspace = theme.learnWorkspace;
  useEffect(() => {
    if (branding.data) learnWorkspace(workspaceTheme);
  }, [branding.data, workspaceTheme, learnWorkspace]);
  const logo = logoPath(branding.data);
  const showAdmin = me.user.super_admin || can(me, "users", "read") || can(me, "api_keys", "read");
  const dashboards = useQuery({
    queryKey: ["dashboards", me.tenant?.id],
    queryFn: () => getJson<DashboardList>("/api/v1/dashboards"),
    enabled: me.tenant !== null,
  });
  const switchTenant = async (id: string) => {
    const next = await sendJson<Me>("POST", `/api/v1/tenants/${encodeURIComponent(id)}/select`);
    queryClient.setQueryData(["me"], next);
    forgetAllBut(queryClient, "me");
    void navigate("/");
  };
  const signOut = async () => {
    try {
      await sendJson("POST", "/api/v1/auth/logout");
    } finally {
      // Navigate while the router is still mounted: signed out, it is not.
      void navigate("/");
      setCsrfToken(null);
      queryClient.setQueryData(["me"], null);
      forgetAllBut(queryClient, "me");
    }
  };
  // The UI's places; the hash keeps every one of them a link that can be shared. The
  // dashboards need a workspace; administration and the account do not.
  const page = (
    <Routes>
      <Route path="/admin/:tab?" element={<AdminPage me={me} />} />
      <Route path="/account" element={<Account />} />
      <Route element={me.tenant === null ? <NoWorkspace me={me} /> : <Outlet />}>
        <Route path="/" element={<DashboardIndex list={dashboards.data} error={dashboards.error} />} />
        <Route path="/d/:id" element={<DashboardView />} />
        <Route path="/r/:dashboard/:panel" element={<ReportView />} />
      </Route>
      <Route path="*" element={<Navigate to="/" replace />} />
    </Routes>
  );
  return (
    <BrandContext.Provider value={paletteOf(look)}>
      <DashboardBrandingContext.Provider value={setDashboardBranding}>
        <div className="app">
          <header className="topbar">
            <Link className="brand" to="/" data-testid="brand">
              {logo ? <img src={logo} alt="" data-testid="workspace-logo" /> : null}
              Flexboard
            </Link>
            {me.tenants.length > 0 ? (
              <select
                className="tenant-switcher"
                aria-label="Workspace"
                data-testid="tenant-switcher"
                value={me.tenant?.id ?? ""}
                onChange={(e) => void switchTenant(e.target.value)}
              >
                {me.tenant === null ? <option value="">Choose a workspace…</option> : null}
                {me.tenants.map((t) => (
                  <option key={t.id} value={t.id}>
                    {t.name}
                  </option>
                ))}
              </select>
            ) : null}
            <nav className="topnav">
              <NavLink to="/" end>
                Dashboards
              </NavLink>
              {showAdmin ? <NavLink to="/admin">Admin</NavLink> : null}
            </nav>
            <select
              className="theme-switcher"
              aria-label="Theme"
              data-testid="theme-switcher"
              value={theme.own ?? ""}
              onChange={(e) => theme.choose((e.target.value || null) as Theme | null)}
            >
              <option value="">Workspace theme ({theme.workspace ?? "system"})</option>
              <option value="system">System theme</option>
              <option value="light">Light</option>
              <option value="dark">Dark</option>
            </select>
            <span className="user" data-testid="user-name" title={me.user.email}>
              <Link to="/account">{me.user.name}</Link>
              {me.tenant?.role ? <small> · {me.tenant.role}</small> : null}
            </span>
            <button type="button" className="signout" data-testid="sign-out" onClick={() => void signOut()}>
              Sign out
            </button>
          </header>
          <main>{page}</main>
        </div>
      </DashboardBrandingContext.Provider>
    </BrandContext.Provider>
  );
}

function AdminPage({ me }: { me: Me }) {
  return <Admin me={me} tab={useParams().tab ?? "users"} />;
}

function NoWorkspace({ me }: { me: Me }) {
  return (
    <div className="empty" role="status">
      {me.tenants.length === 0
        ? "You have no workspace yet." +
          (me.user.super_admin
            ? " Create one under Admin → Tenants."
            : " Ask an administrator to add you to one.")
        : "Choose a workspace above."}
    </div>
  );
}
