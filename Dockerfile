# One image for the hub service (`pathway serve`) and the Temporal worker
# (`pathway worker`); docker-compose.yml picks the command. Versions are
# pinned and listed in docs/deployment.md (Node 24 LTS, supported to
# 30 April 2028; the `temporal` CLI from the admin-tools release the compose
# file runs).

# The `temporal` CLI for the worker's health check (scripts/compose/worker-healthcheck.sh):
# a static binary, copied from the same admin-tools release the compose file uses.
FROM temporalio/admin-tools:1.31.2 AS temporal-cli

FROM node:24.19-bookworm-slim AS base
WORKDIR /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false

# Build: every dependency, then the compiled JavaScript (`npm run build`,
# when the project has it) and the workflow bundle, so the worker does not
# run webpack at each start (Temporal's production guidance).
# --ignore-scripts: the project's own prepare script builds, which needs the
# sources copied after this layer; no dependency needs an install script.
FROM base AS build
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY . .
RUN npm run build --if-present && npm run build:workflow-bundle

# Runtime dependencies only.
FROM base AS runtime-deps
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force

FROM base AS runtime
ENV NODE_ENV=production \
    PATHWAY_WORKFLOW_BUNDLE=/app/dist/workflow-bundle.js
COPY --from=temporal-cli /usr/local/bin/temporal /usr/local/bin/temporal
COPY --from=runtime-deps /app/node_modules ./node_modules
COPY . .
COPY --from=build /app/dist ./dist

# Run as the image's unprivileged user (uid 1000); the mailbox folder (used only without SMTP_URL) must be writable.
RUN mkdir -p /app/mailbox && chown node:node /app/mailbox
USER node

# The hub service listens on 3000.
EXPOSE 3000
CMD ["node", "--max-semi-space-size=64", "bin/pathway.mjs", "serve", "--host", "0.0.0.0", "--port", "3000"]
