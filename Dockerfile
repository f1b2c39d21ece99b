# Argus: a self-hostable authentication and API-key platform.
#
#   docker build -t argus .
#   docker run -p 3000:3000 \
#     -e DATABASE_URL=postgres://argus:secret@db:5432/argus \
#     -e JWT_SECRET="$(openssl rand -base64 48)" \
#     argus
#
# The image runs with NODE_ENV=production, so JWT_SECRET is REQUIRED (at least 32 characters):
# without it Argus refuses to start and names the variable.
# DATABASE_URL is expected: point it at PostgreSQL. Without it Argus falls back to the embedded
# database (PGlite) in ARGUS_DATA_DIR=/home/node/data, which is lost with the container unless a
# volume is mounted there, and which only one Argus process may use at a time.
# Migrations run at start-up (ARGUS_MIGRATE=false disables that).

# ---- build: full dependency tree, compile TypeScript to dist/ -------------------------------
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
# Everything not excluded by .dockerignore (sources, tsconfig*, nest-cli.json, ormconfig.ts).
COPY . .
RUN npm run build

# ---- runtime: production dependencies and the compiled output only --------------------------
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    ARGUS_DATA_DIR=/home/node/data
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# The application files stay root-owned (read-only to the process); only the data folder is writable.
RUN mkdir -p /home/node/data && chown node:node /home/node/data
USER node
EXPOSE 3000
# Liveness only (no dependency checks); readiness including the database is GET /api/health.
# The slim image has no curl, so Node's own fetch does the request.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/api/health/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/src/main.js"]
