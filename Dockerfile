# dms-companion: the daemon (`dms-companion run`) in a container next to DMS.
# Build: docker build -t dms-companion .   Run: docker run -v $PWD/config.yaml:/etc/dms-companion/config.yaml dms-companion

# 1. Build dist/ from the sources (dev dependencies: esbuild).
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY build.mjs tsconfig.json ./
COPY cli ./cli
COPY config ./config
COPY daemon ./daemon
COPY jobs ./jobs
COPY lambda ./lambda
COPY lib ./lib
COPY sim ./sim
RUN node build.mjs

# 2. Production dependencies only (no embedded PostgreSQL, no test tools).
FROM node:22-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# 3. The image: dist/ and node_modules/, run as the unprivileged `node` user.
FROM node:22-bookworm-slim
ENV NODE_ENV=production \
    AWS_EMF_ENVIRONMENT=Local \
    DMS_COMPANION_CONFIG=/etc/dms-companion/config.yaml
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY config/example.yaml /etc/dms-companion/example.yaml
USER node
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "dist/cli.js"]
CMD ["run"]
