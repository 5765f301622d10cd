import { useState } from "react";
import { ApiError, sendJson } from "./api";
import type { Me } from "./wire";

/// The sign-in page: email and password, with the server's answer shown as is (a wrong
/// password and an unknown email read the same; throttling says how long to wait).
export function SignIn({ onSignedIn }: { onSignedIn: (me: Me) => void }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <div className="signin">
      <form
        className="signin-card"
        onSubmit={async (event) => {
          event.preventDefault();
          setBusy(true);
          setError(null);
          try {
            onSignedIn(await sendJson<Me>("POST", "/api/v1/auth/login", { email, password }));
          } catch (e) {
            setError(e instanceof ApiError ? e.message : String(e));
          } finally {
            setBusy(false);
          }
        }}
      >
        <h1>Flexboard</h1>
        <p>Sign in to see your dashboards.</p>
        <label>
          Email
          <input
            name="email"
            type="email"
            autoComplete="username"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        {error ? (
          <div className="error" role="alert" data-testid="signin-error">
            {error}
          </div>
        ) : null}
        <button type="submit" disabled={busy} data-testid="signin-submit">
          {busy ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </div>
  );
}
