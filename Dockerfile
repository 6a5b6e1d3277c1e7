# syntax=docker/dockerfile:1
# One image for every fedplane service and the CLI; SERVICE selects the entry point:
#   docker build -t fedplane .
#   docker run -e SERVICE=issuer -e ... fedplane
# Stages: deps (full install from the lockfile) -> build (esbuild bundles, once) ->
# prod-deps (production install, hoisted) -> runtime (non-root, bundles + prod deps only).
# Why bundles rather than tsc per package or tsx at run time: deploy/README.md.

ARG NODE_IMAGE=node:20.19-bookworm-slim
ARG PNPM_VERSION=10.34.9

FROM ${NODE_IMAGE} AS base
ARG PNPM_VERSION
ENV PNPM_HOME=/pnpm PATH=/pnpm:$PATH CI=true
RUN corepack enable && corepack prepare "pnpm@${PNPM_VERSION}" --activate
WORKDIR /app

FROM base AS deps
COPY pnpm-lock.yaml pnpm-workspace.yaml package.json .npmrc ./
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store pnpm fetch --frozen-lockfile
COPY packages ./packages
COPY services ./services
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store \
    pnpm install --frozen-lockfile --offline --ignore-scripts

FROM deps AS build
COPY deploy/build-bundles.sh ./deploy/build-bundles.sh
RUN sh deploy/build-bundles.sh

FROM base AS prod-deps
COPY pnpm-lock.yaml pnpm-workspace.yaml package.json .npmrc ./
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store pnpm fetch --frozen-lockfile --prod
COPY packages ./packages
COPY services ./services
# Hoisted so that a bundle finds the third-party packages of every workspace package it contains.
RUN --mount=type=cache,id=pnpm-store,target=/pnpm/store \
    pnpm install --prod --frozen-lockfile --offline --ignore-scripts --config.shamefully-hoist=true

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production HEALTH_PORT=8080
WORKDIR /app
COPY --from=prod-deps --chown=node:node /app /app
COPY --from=build --chown=node:node /app/services/issuer/dist ./services/issuer/dist
COPY --from=build --chown=node:node /app/services/renewal-agent/dist ./services/renewal-agent/dist
COPY --from=build --chown=node:node /app/services/reconciler/dist ./services/reconciler/dist
COPY --from=build --chown=node:node /app/services/sync-gateway/dist ./services/sync-gateway/dist
COPY --from=build --chown=node:node /app/services/approvals/dist ./services/approvals/dist
COPY --from=build --chown=node:node /app/services/auditor/dist ./services/auditor/dist
COPY --from=build --chown=node:node /app/packages/cli/dist ./packages/cli/dist
# Migrations are read from the package directories at run time (kept by the copy above).
COPY --chown=node:node deploy/entrypoint.sh /usr/local/bin/fedplane-entrypoint
# Volumes mounted here start owned by the non-root user (Docker copies the image directory).
RUN mkdir -p /var/lib/fedplane /run/fedplane/secrets /var/lib/fedplane/issuer-keys \
    && chown -R node:node /var/lib/fedplane /run/fedplane \
    && chmod 0700 /run/fedplane/secrets /var/lib/fedplane/issuer-keys \
    && chmod 0755 /usr/local/bin/fedplane-entrypoint
USER node
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.HEALTH_PORT||'8080')+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["fedplane-entrypoint"]
