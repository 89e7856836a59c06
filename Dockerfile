# syntax=docker/dockerfile:1
# D2C OPs: multi-stage build on Node 22 LTS (slim): TypeScript compiled to dist/, run by plain node as a non-root user.

FROM node:22-slim AS deps
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

FROM deps AS build
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:22-slim AS runtime
ENV NODE_ENV=production \
    PORT=3000 \
    DATA_DIR=/data
WORKDIR /app
RUN groupadd --system d2c && useradd --system --gid d2c --home /app d2c \
    && mkdir -p /data && chown d2c:d2c /data
COPY --from=build --chown=d2c:d2c /app/node_modules ./node_modules
COPY --from=build --chown=d2c:d2c /app/package.json ./package.json
COPY --from=build --chown=d2c:d2c /app/dist ./dist
COPY --from=build --chown=d2c:d2c /app/public ./public
USER d2c
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
STOPSIGNAL SIGTERM
CMD ["node", "--enable-source-maps", "dist/src/main.js"]
