import { useState, type ReactNode } from "react";
import { Link } from "react-router";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { can, getJson, sendFile, sendJson } from "./api";
import { FONT_STACKS, logoPath } from "./branding";
import type {
  ApiKeyView,
  BrandingInput,
  Me,
  RoleView,
  TenantView,
  Theme,
  UserView,
  WorkspaceBranding,
} from "./wire";

const API_KEY_SCOPES = ["dashboards:read", "data:read", "data:write", "sync:read"];

/// Administration: people of the current workspace, API keys, and (super-admins) workspaces.
/// The server checks every action again; the UI only leaves out what would be refused.
export function Admin({ me, tab }: { me: Me; tab: string }) {
  const tabs: [string, string, boolean][] = [
    ["users", "People", me.tenant !== null && (me.user.super_admin || can(me, "users", "read"))],
    ["keys", "API keys", me.tenant !== null && (me.user.super_admin || can(me, "api_keys", "read"))],
    ["branding", "Branding", me.tenant !== null && (me.user.super_admin || can(me, "branding", "update"))],
    ["tenants", "Tenants", me.user.super_admin],
  ];
  const visible = tabs.filter(([, , shown]) => shown);
  const current = visible.find(([id]) => id === tab)?.[0] ?? visible[0]?.[0];
  return (
    <section className="admin">
      <h1>Administration</h1>
      <nav className="tabs">
        {visible.map(([id, label]) => (
          <Link key={id} to={`/admin/${id}`} className={id === current ? "active" : ""}>
            {label}
          </Link>
        ))}
      </nav>
      {current === "users" ? <Users me={me} /> : null}
      {current === "keys" ? <Keys me={me} /> : null}
      {current === "branding" ? <BrandingAdmin me={me} /> : null}
      {current === "tenants" ? <Tenants /> : null}
      {current === undefined ? <p>You have nothing to administer here.</p> : null}
    </section>
  );
}

/// Parses `zone=NORTH, region=West` into attributes.
function parseAttributes(text: string): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const part of text.split(",")) {
    const [key, ...rest] = part.split("=");
    if (key.trim() && rest.length) attributes[key.trim()] = rest.join("=").trim();
  }
  return attributes;
}

function formatAttributes(attributes: Record<string, string>): string {
  return Object.entries(attributes)
    .map(([k, v]) => `${k}=${v}`)
    .join(", ");
}

function useAction<T>(run: (input: T) => Promise<unknown>, invalidate: string[]) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: run,
    onSuccess: () => Promise.all(invalidate.map((key) => queryClient.invalidateQueries({ queryKey: [key] }))),
  });
}

function Outcome({ error, done }: { error: Error | null; done?: ReactNode }) {
  if (error)
    return (
      <div className="error" role="alert">
        {error.message}
      </div>
    );
  return done ? (
    <div className="notice" role="status">
      {done}
    </div>
  ) : null;
}

function Users({ me }: { me: Me }) {
  const users = useQuery({
    queryKey: ["admin-users"],
    queryFn: () => getJson<UserView[]>("/api/v1/admin/users"),
  });
  const roles = useQuery({
    queryKey: ["admin-roles"],
    queryFn: () => getJson<RoleView[]>("/api/v1/admin/roles"),
  });
  const [editing, setEditing] = useState<string | null>(null);
  const tenant = me.tenant?.id;
  const roleNames = roles.data?.map((r) => r.name) ?? ["viewer"];
  return (
    <>
      {users.error ? (
        <div className="error" role="alert">
          {users.error.message}
        </div>
      ) : null}
      <table className="admin-table" data-testid="users-table">
        <thead>
          <tr>
            <th>Name</th>
            <th>Email</th>
            <th>Role here</th>
            <th>Attributes</th>
            <th>Status</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {(users.data ?? []).map((user) => {
            const membership = user.memberships.find((m) => m.tenant === tenant);
            return (
              <tr key={user.id}>
                <td>{user.name}</td>
                <td>{user.email}</td>
                <td>{user.super_admin ? "super-admin" : (membership?.role ?? "—")}</td>
                <td>{membership ? formatAttributes(membership.attributes) : ""}</td>
                <td>{user.disabled ? "disabled" : "active"}</td>
                <td>
                  <button type="button" onClick={() => setEditing(editing === user.id ? null : user.id)}>
                    {editing === user.id ? "Close" : "Edit"}
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {editing ? (
        <EditUser
          key={editing}
          user={users.data?.find((u) => u.id === editing)}
          tenant={tenant}
          roles={roleNames}
          self={editing === me.user.id}
        />
      ) : null}
      <NewUser roles={roleNames} />
      {roles.data ? (
        <details className="roles">
          <summary>Roles of this workspace</summary>
          <ul>
            {roles.data.map((r) => (
              <li key={r.name}>
                <strong>{r.name}</strong> {r.built_in ? "(built in)" : ""} {r.description}:{" "}
                {r.permissions.map((p) => `${p.resource}:${p.action}:${p.scope}`).join(", ")}
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </>
  );
}

function NewUser({ roles }: { roles: string[] }) {
  const [form, setForm] = useState({ email: "", name: "", password: "", role: "viewer", attributes: "" });
  const create = useAction(
    () =>
      sendJson("POST", "/api/v1/admin/users", {
        email: form.email,
        name: form.name,
        password: form.password,
        role: form.role,
        attributes: parseAttributes(form.attributes),
      }),
    ["admin-users"],
  );
  const field = (key: keyof typeof form) => ({
    value: form[key],
    onChange: (e: { target: { value: string } }) => setForm({ ...form, [key]: e.target.value }),
  });
  return (
    <form
      className="form"
      data-testid="new-user"
      onSubmit={(event) => {
        event.preventDefault();
        create.mutate(undefined, {
          onSuccess: () => setForm({ ...form, email: "", name: "", password: "" }),
        });
      }}
    >
      <h2>Add a person</h2>
      <label>
        Email <input type="email" required {...field("email")} />
      </label>
      <label>
        Name <input required {...field("name")} />
      </label>
      <label>
        Password (12–128){" "}
        <input type="password" autoComplete="new-password" required minLength={12} {...field("password")} />
      </label>
      <label>
        Role
        <select {...field("role")}>
          {roles.map((r) => (
            <option key={r}>{r}</option>
          ))}
        </select>
      </label>
      <label>
        Attributes <input placeholder="zone=NORTH" {...field("attributes")} />
      </label>
      <button type="submit" disabled={create.isPending}>
        Add
      </button>
      <Outcome error={create.error} done={create.isSuccess ? "Added." : null} />
    </form>
  );
}

function EditUser({
  user,
  tenant,
  roles,
  self,
}: {
  user?: UserView;
  tenant?: string;
  roles: string[];
  self: boolean;
}) {
  const membership = user?.memberships.find((m) => m.tenant === tenant);
  const [name, setName] = useState(user?.name ?? "");
  const [role, setRole] = useState(membership?.role ?? "viewer");
  const [attributes, setAttributes] = useState(formatAttributes(membership?.attributes ?? {}));
  const [password, setPassword] = useState("");
  const save = useAction(async () => {
    if (!user) return;
    const patch: Record<string, unknown> = {};
    if (name !== user.name) patch.name = name;
    if (password) patch.password = password;
    if (Object.keys(patch).length) await sendJson("PATCH", `/api/v1/admin/users/${user.id}`, patch);
    const newAttributes = parseAttributes(attributes);
    if (
      membership &&
      (role !== membership.role ||
        formatAttributes(newAttributes) !== formatAttributes(membership.attributes))
    ) {
      await sendJson("PUT", `/api/v1/admin/memberships/${user.id}`, { role, attributes: newAttributes });
    }
  }, ["admin-users"]);
  const toggle = useAction(
    () => sendJson("PATCH", `/api/v1/admin/users/${user?.id}`, { disabled: !user?.disabled }),
    ["admin-users"],
  );
  const remove = useAction(
    () => sendJson("DELETE", `/api/v1/admin/memberships/${user?.id}`),
    ["admin-users"],
  );
  if (!user) return null;
  return (
    <form
      className="form"
      onSubmit={(event) => {
        event.preventDefault();
        save.mutate(undefined, { onSuccess: () => setPassword("") });
      }}
    >
      <h2>Edit {user.email}</h2>
      <label>
        Name <input required value={name} onChange={(e) => setName(e.target.value)} />
      </label>
      {membership ? (
        <>
          <label>
            Role
            <select value={role} onChange={(e) => setRole(e.target.value)}>
              {roles.map((r) => (
                <option key={r}>{r}</option>
              ))}
            </select>
          </label>
          <label>
            Attributes{" "}
            <input
              value={attributes}
              placeholder="zone=NORTH"
              onChange={(e) => setAttributes(e.target.value)}
            />
          </label>
        </>
      ) : null}
      <label>
        Reset password{" "}
        <input
          type="password"
          autoComplete="new-password"
          minLength={12}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
      </label>
      <button type="submit" disabled={save.isPending}>
        Save
      </button>
      {!self ? (
        <button type="button" onClick={() => toggle.mutate(undefined)}>
          {user.disabled ? "Enable" : "Disable"}
        </button>
      ) : null}
      {!self && membership ? (
        <button type="button" onClick={() => remove.mutate(undefined)}>
          Remove from workspace
        </button>
      ) : null}
      <Outcome
        error={save.error ?? toggle.error ?? remove.error}
        done={save.isSuccess ? "Saved. Their sessions end if their access changed." : null}
      />
    </form>
  );
}

function Keys({ me }: { me: Me }) {
  const keys = useQuery({
    queryKey: ["admin-keys"],
    queryFn: () => getJson<ApiKeyView[]>("/api/v1/admin/api-keys"),
  });
  const [name, setName] = useState("");
  const [scopes, setScopes] = useState<string[]>(["dashboards:read"]);
  const [secret, setSecret] = useState<string | null>(null);
  const create = useAction(async () => {
    const key = await sendJson<ApiKeyView & { secret: string }>("POST", "/api/v1/admin/api-keys", {
      name,
      scopes,
    });
    setSecret(key.secret);
    setName("");
  }, ["admin-keys"]);
  const revoke = useAction(
    (id: string) => sendJson("DELETE", `/api/v1/admin/api-keys/${id}`),
    ["admin-keys"],
  );
  const premium = me.tenant?.plan === "premium";
  return (
    <>
      {keys.error ? (
        <div className="error" role="alert">
          {keys.error.message}
        </div>
      ) : null}
      <table className="admin-table" data-testid="keys-table">
        <thead>
          <tr>
            <th>Name</th>
            <th>Id</th>
            <th>Scopes</th>
            <th>Created</th>
            <th>Last used</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {(keys.data ?? []).map((key) => (
            <tr key={key.id} className={key.revoked_at ? "revoked" : ""}>
              <td>{key.name}</td>
              <td>
                <code>{key.id}</code>
              </td>
              <td>{key.scopes.join(", ")}</td>
              <td>{new Date(key.created_at).toLocaleString()}</td>
              <td>{key.last_used_at ? new Date(key.last_used_at).toLocaleString() : "never"}</td>
              <td>
                {key.revoked_at ? (
                  "revoked"
                ) : (
                  <button type="button" onClick={() => revoke.mutate(key.id)}>
                    Revoke
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form
        className="form"
        onSubmit={(event) => {
          event.preventDefault();
          create.mutate(undefined);
        }}
      >
        <h2>New API key</h2>
        {!premium ? <p className="hint">API keys need the premium plan.</p> : null}
        <label>
          Name <input required value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <fieldset>
          <legend>Scopes</legend>
          {API_KEY_SCOPES.map((scope) => (
            <label key={scope} className="check">
              <input
                type="checkbox"
                checked={scopes.includes(scope)}
                onChange={(e) =>
                  setScopes(e.target.checked ? [...scopes, scope] : scopes.filter((s) => s !== scope))
                }
              />
              {scope}
            </label>
          ))}
        </fieldset>
        <button type="submit" disabled={create.isPending || !premium}>
          Create key
        </button>
        <Outcome error={create.error ?? revoke.error} />
        {secret ? (
          <div className="notice" role="status" data-testid="new-key-secret">
            Copy this key now; it is not shown again: <code>{secret}</code>
          </div>
        ) : null}
      </form>
    </>
  );
}

function Tenants() {
  const tenants = useQuery({
    queryKey: ["admin-tenants"],
    queryFn: () => getJson<TenantView[]>("/api/v1/admin/tenants"),
  });
  const [name, setName] = useState("");
  const [plan, setPlan] = useState<"free" | "premium">("free");
  const create = useAction(
    () => sendJson("POST", "/api/v1/admin/tenants", { name, plan }),
    ["admin-tenants", "me"],
  );
  const update = useAction(
    ({ id, patch }: { id: string; patch: Record<string, unknown> }) =>
      sendJson("PATCH", `/api/v1/admin/tenants/${id}`, patch),
    ["admin-tenants", "me"],
  );
  return (
    <>
      {tenants.error ? (
        <div className="error" role="alert">
          {tenants.error.message}
        </div>
      ) : null}
      <table className="admin-table" data-testid="tenants-table">
        <thead>
          <tr>
            <th>Name</th>
            <th>Id</th>
            <th>Plan</th>
            <th>Limits</th>
            <th>Members</th>
            <th>Status</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {(tenants.data ?? []).map((t) => (
            <tr key={t.id}>
              <td>{t.name}</td>
              <td>
                <code>{t.id}</code>
              </td>
              <td>
                <select
                  value={t.plan}
                  onChange={(e) => update.mutate({ id: t.id, patch: { plan: e.target.value } })}
                >
                  <option value="free">free</option>
                  <option value="premium">premium</option>
                </select>
              </td>
              <td>
                {t.limits.max_dashboards} dashboards, {t.limits.max_widgets_per_dashboard} panels each
              </td>
              <td>{t.members}</td>
              <td>{t.active ? "active" : "deactivated"}</td>
              <td>
                <button
                  type="button"
                  onClick={() => {
                    const next = window.prompt("New name", t.name);
                    if (next && next !== t.name) update.mutate({ id: t.id, patch: { name: next } });
                  }}
                >
                  Rename
                </button>
                <button
                  type="button"
                  onClick={() => update.mutate({ id: t.id, patch: { active: !t.active } })}
                >
                  {t.active ? "Deactivate" : "Activate"}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form
        className="form"
        onSubmit={(event) => {
          event.preventDefault();
          create.mutate(undefined, { onSuccess: () => setName("") });
        }}
      >
        <h2>New tenant</h2>
        <label>
          Name <input required value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <label>
          Plan
          <select value={plan} onChange={(e) => setPlan(e.target.value as "free" | "premium")}>
            <option value="free">free</option>
            <option value="premium">premium</option>
          </select>
        </label>
        <button type="submit" disabled={create.isPending}>
          Create
        </button>
        <Outcome error={create.error ?? update.error} done={create.isSuccess ? "Created." : null} />
      </form>
    </>
  );
}

/// The workspace's logo, colours, font and default theme, as every member sees them.
function BrandingAdmin({ me }: { me: Me }) {
  const branding = useQuery({
    queryKey: ["branding", me.tenant?.id],
    queryFn: () => getJson<WorkspaceBranding>("/api/v1/branding"),
  });
  const invalidate = ["branding"];
  const save = useAction(
    (input: BrandingInput) => sendJson<WorkspaceBranding>("PUT", "/api/v1/branding", input),
    invalidate,
  );
  const upload = useAction(
    (file: File) => sendFile<WorkspaceBranding>("PUT", "/api/v1/branding/logo", file),
    invalidate,
  );
  const remove = useAction(() => sendJson<WorkspaceBranding>("DELETE", "/api/v1/branding/logo"), invalidate);
  if (branding.isError) return <Outcome error={branding.error} />;
  if (!branding.data) return <div className="loading">Loading…</div>;
  const data = branding.data;
  const logo = logoPath(data);
  return (
    <div className="branding-form" data-testid="branding-form">
      <p>
        The logo, colours and font of <strong>{me.tenant?.name}</strong> on every page and dashboard; a
        dashboard&apos;s own branding, where it sets one, comes first.
      </p>
      <div className="logo-preview">
        {logo ? <img src={logo} alt="The workspace logo" /> : <span>No logo yet</span>}
      </div>
      <label>
        Logo (PNG, JPEG, WebP, GIF or SVG)
        <input
          type="file"
          data-testid="logo-file"
          accept="image/png,image/jpeg,image/webp,image/gif,image/svg+xml"
          onChange={(e) => {
            const file = e.target.files?.[0];
            if (file) {
              remove.reset();
              upload.mutate(file);
            }
            e.target.value = "";
          }}
        />
      </label>
      {logo ? (
        <button
          type="button"
          onClick={() => {
            upload.reset();
            remove.mutate();
          }}
          disabled={remove.isPending}
        >
          Remove the logo
        </button>
      ) : null}
      <Outcome
        error={upload.error ?? remove.error}
        done={upload.isSuccess ? "Logo saved." : remove.isSuccess ? "Logo removed." : undefined}
      />
      {/* A saved answer starts the fields afresh; the outcomes stay. */}
      <BrandingFields key={JSON.stringify(data)} branding={data} save={save} />
    </div>
  );
}

function BrandingFields({
  branding,
  save,
}: {
  branding: WorkspaceBranding;
  save: ReturnType<typeof useAction<BrandingInput>>;
}) {
  const [primary, setPrimary] = useState(branding.primary_color ?? "");
  const [accent, setAccent] = useState(branding.accent_color ?? "");
  const [font, setFont] = useState(branding.font ?? "");
  const [theme, setTheme] = useState<Theme | "">(branding.theme ?? "");
  const colour = (label: string, value: string, set: (v: string) => void, id: string) => (
    <label>
      {label}
      <span className="row">
        <input
          type="color"
          aria-label={`${label} picker`}
          value={/^#[0-9a-f]{6}$/i.test(value) ? value : "#2563eb"}
          onChange={(e) => set(e.target.value)}
        />
        <input
          data-testid={id}
          aria-label={label}
          placeholder="#RRGGBB, or empty for the default"
          value={value}
          onChange={(e) => set(e.target.value.trim())}
        />
      </span>
    </label>
  );
  return (
    <form
      className="branding-form"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate({
          primary_color: primary || null,
          accent_color: accent || null,
          font: font || null,
          theme: theme || null,
        });
      }}
    >
      {colour("Primary colour", primary, setPrimary, "primary-color")}
      {colour("Accent colour", accent, setAccent, "accent-color")}
      <label>
        Font
        <select data-testid="brand-font" value={font} onChange={(e) => setFont(e.target.value)}>
          <option value="">Default (the system&apos;s)</option>
          {Object.keys(FONT_STACKS)
            .filter((name) => name !== "system")
            .map((name) => (
              <option key={name} value={name} style={{ fontFamily: FONT_STACKS[name] }}>
                {name}
              </option>
            ))}
        </select>
      </label>
      <label>
        Default theme
        <select value={theme} onChange={(e) => setTheme(e.target.value as Theme | "")}>
          <option value="">The reader&apos;s system setting</option>
          <option value="light">Light</option>
          <option value="dark">Dark</option>
          <option value="system">System</option>
        </select>
      </label>
      <button type="submit" data-testid="save-branding" disabled={save.isPending}>
        Save branding
      </button>
      <Outcome error={save.error} done={save.isSuccess ? "Branding saved." : undefined} />
    </form>
  );
}
