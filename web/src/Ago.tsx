import { useEffect, useState } from "react";

/** "just now", "12 s ago", "3 min ago", "2 h ago": how long ago `since` was. */
export function agoText(since: number, now: number): string {
  const seconds = Math.max(0, Math.round((now - since) / 1000));
  if (seconds < 5) return "just now";
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86_400)} d ago`;
}

/// "updated 12 s ago", ticking by itself so nothing around it draws again.
export function Ago({ iso, prefix = "updated" }: { iso: string; prefix?: string }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), 5000);
    return () => window.clearInterval(timer);
  }, []);
  const since = Date.parse(iso);
  if (Number.isNaN(since)) return null;
  return (
    <time className="ago" dateTime={iso} title={new Date(since).toLocaleString()}>
      {prefix} {agoText(since, now)}
    </time>
  );
}
