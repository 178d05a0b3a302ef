# syntax=docker/dockerfile:1

# Gatehouse's production image: compiled JavaScript run by plain node, runtime dependencies only,
# no sandbox, as the unprivileged `node` user. Build: docker build -t gatehouse .
# Node 24 is the active LTS, and its npm 11 is the one whose workspace handling README.md describes
# ("A production install leaves the sandbox out"). For byte-for-byte reproducible builds, pin the
# tag to its digest: --build-arg NODE_IMAGE=node:24-bookworm-slim@sha256:…
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
# The manifests first, so the dependency layer is rebuilt only when they change. The sandbox
# workspace comes whole: npm ci links it, and the compiler reads its types where src/server.ts
# loads it (dynamically, and only in sandbox mode).
COPY package.json package-lock.json ./
COPY packages/ packages/
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src/ src/
RUN npm run build

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
# Runtime dependencies only: --workspaces=false leaves the sandbox and its dependencies out, which
# --omit=dev alone would not (npm installs workspaces whatever their dependency type).
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --workspaces=false --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist/ dist/
# The image's `node` user, by number, so Kubernetes can check runAsNonRoot without reading
# /etc/passwd. Everything above stays root-owned: the process cannot change its own code.
USER 1000:1000
EXPOSE 3000
# node itself probes (slim images have no curl); PORT as Gatehouse reads it. Liveness only: the
# process answers HTTP. Readiness (/readyz) is for orchestrators that route traffic.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node is PID 1 with no init in between, on purpose: Gatehouse handles SIGTERM and SIGINT itself
# (src/main.ts: a graceful stop, a second signal stops at once), and it starts no child processes,
# so there are no orphans to reap. Through `npm run`, npm would stand between the signal and node.
# The command is `npm run start:prod`'s: the heap capped at 256 MB, so V8 collects before garbage
# swells the process (a 10,000-request fan-out grows it ~90 MB, not ~300; README "Benchmarks").
# On the command line, not in NODE_OPTIONS, which the HEALTHCHECK's node would take too.
CMD ["node", "--max-old-space-size=256", "dist/main.js"]
