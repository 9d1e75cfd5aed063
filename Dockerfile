# One image for the whole stack. The default command runs the gateway; each
# reference service runs from the same image with its own command:
#   docker run pinstack-gateway:local node --import ./dist/services/common/instrumentation.js dist/services/users/main.js
# docker-compose.yml wires them together.

# --- build: all dependencies, then tsc into dist/ ----------------------------
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# No dependency needs its install script; skipping them avoids downloads at
# build time and matches npm 11, which skips them by default.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY platform ./platform
COPY src ./src
COPY resolvers ./resolvers
COPY services ./services
COPY generated ./generated
RUN npm run build

# --- deps: production dependencies only --------------------------------------
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# --- runtime -----------------------------------------------------------------
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=4000
# A known heap limit: the gateway sheds load when its heap passes
# SHED_HEAP_USED_PERCENT of it, well before V8 would crash the process. Give the
# container about 1.5x this in memory (code, buffers and sockets live outside
# the heap). Set here rather than in CMD because docker-compose.yml and
# Kubernetes replace the command, and so that an operator changes it with an
# environment variable alone (`-e NODE_OPTIONS=--max-old-space-size=2048`). The
# services run from this image get the same cap, which they are far below.
# A 32 MB young generation (V8's default is 16): every request allocates many
# short-lived objects, and a larger nursery collects them in fewer scavenges,
# which under load is about a tenth more throughput and a steadier p99 for
# some 30 MB more resident memory (`npm run bench`).
ENV NODE_OPTIONS="--max-old-space-size=1024 --max-semi-space-size=32"
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The gateway reads its SDL from schema/ at run time.
COPY schema ./schema
COPY package.json ./
USER node
# GraphQL only. /healthz, /readyz and /metrics are on ADMIN_HOST:ADMIN_PORT,
# loopback (127.0.0.1:9464) unless set: docker-compose.yml and Kubernetes set
# ADMIN_HOST=0.0.0.0 so that Prometheus and the kubelet reach them, and publish
# nothing. 9464 is left out of EXPOSE on purpose: `docker run -P` publishes every
# exposed port to the host, and these endpoints are not for the outside.
EXPOSE 4000
# Node runs as PID 1 and handles SIGTERM itself: the gateway and the services
# drain in-flight calls and exit 0.
# Tracing loads first (--import), so that it can patch the modules the gateway
# imports; it stays off until OTEL_EXPORTER_OTLP_ENDPOINT names a collector.
CMD ["node", "--import", "./dist/src/instrumentation.js", "dist/src/main.js"]
