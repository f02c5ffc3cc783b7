# One image for the hub service (`pathway serve`) and the Temporal worker
# (`pathway worker`): the TypeScript runs through tsx, so there is no build step.
FROM node:20-bookworm-slim

WORKDIR /app
ENV NODE_ENV=production \
    NPM_CONFIG_UPDATE_NOTIFIER=false

# Dependencies first, so a code change does not reinstall them. tsx and the
# Temporal packages are runtime dependencies; dev tools are left out.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

COPY . .

# Run as the image's unprivileged user; the mailbox folder (used only without SMTP_URL) must be writable.
RUN mkdir -p /app/mailbox && chown -R node:node /app/mailbox
USER node

# The hub service listens on 3000; docker-compose.yml picks the command (serve or worker).
EXPOSE 3000
CMD ["node", "bin/pathway.mjs", "serve", "--host", "0.0.0.0", "--port", "3000"]
