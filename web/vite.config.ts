import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// The Rust build script runs `vite build --outDir <OUT_DIR>/web`; assets get content hashes
// in their names so the server can cache them for a year.
export default defineConfig({
  plugins: [react()],
  base: "/",
  build: {
    assetsDir: "assets",
    sourcemap: false,
    chunkSizeWarningLimit: 1200,
  },
  server: {
    proxy: { "/api": "http://127.0.0.1:8080" },
  },
});
