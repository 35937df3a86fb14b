import { defineConfig } from "vite";
import { svelte } from "@sveltejs/vite-plugin-svelte";

// Everything is bundled into ui/dist and embedded in the app: no remote resources, no dev
// server in the shipped build.
export default defineConfig({
  plugins: [svelte()],
  // Component tests (Vitest, jsdom) mount the browser build of Svelte, as the app does.
  resolve: process.env.VITEST ? { conditions: ["browser"] } : undefined,
  build: { outDir: "dist", emptyOutDir: true, target: "es2022" },
  clearScreen: false,
});
