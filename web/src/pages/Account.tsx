import { useState } from "react";
import { sendJson } from "../api";

/// The signed-in person's own account: change the password.
export function Account() {
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  return (
    <section className="admin">
      <h1>Your account</h1>
      <form
        className="form"
        onSubmit={async (event) => {
          event.preventDefault();
          try {
            await sendJson("POST", "/api/v1/auth/password", {
              current_password: current,
              new_password: next,
            });
            setMessage({ ok: true, text: "Password changed. Your other sessions have ended." });
            setCurrent("");
            setNext("");
          } catch (e) {
            setMessage({ ok: false, text: e instanceof Error ? e.message : String(e) });
          }
        }}
      >
        <label>
          Current password
          <input
            type="password"
            autoComplete="current-password"
            required
            value={current}
            onChange={(e) => setCurrent(e.target.value)}
          />
        </label>
        <label>
          New password (12 to 128 characters)
          <input
            type="password"
            autoComplete="new-password"
            required
            minLength={12}
            maxLength={128}
            value={next}
            onChange={(e) => setNext(e.target.value)}
          />
        </label>
        <button type="submit">Change password</button>
        {message ? (
          <div className={message.ok ? "notice" : "error"} role="status">
            {message.text}
          </div>
        ) : null}
      </form>
    </section>
  );
}
