# syntax=docker/dockerfile:1
# schedulerha: one image for the operator and the scheduler replicas (`schedulerha operator`,
# `schedulerha scheduler …`). Build: docker build -t schedulerha:0.1.0 .

# ---- build: Node 24, full dependencies, TypeScript → dist/src ----
FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# No install scripts: the only one that matters here is the `node` devDependency's, which downloads a Node binary
# (not integrity-checked by the lockfile) that the build does not use — tsc runs on the image's Node 24.
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN node_modules/.bin/tsc -p tsconfig.build.json

# ---- runtime: Node 24 slim, production dependencies only, non-root ----
FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    SCHEDULERHA_LOG_PRETTY=0
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /src/dist/src ./dist/src
RUN chmod 0755 dist/src/cli.js && ln -s /app/dist/src/cli.js /usr/local/bin/schedulerha
# The "node" user of the official image (uid 1000); the manifests also set runAsNonRoot and a read-only root
# filesystem (nothing here writes to disk: logs go to stdout).
USER 1000:1000
EXPOSE 8080 10251
ENTRYPOINT ["schedulerha"]
CMD ["--help"]
