# syntax=docker/dockerfile:1
# One image for every app; docker-compose.yml picks the command. Multi-stage: the build stage
# compiles TypeScript; the runtime stage holds only production dependencies and dist/.

FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.base.json ./
COPY packages ./packages
COPY apps ./apps
RUN npm ci --no-audit --no-fund && npm run build

FROM node:24-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/packages ./packages
COPY --from=build /app/apps ./apps
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
# The official image's unprivileged user.
USER node
EXPOSE 8080 9464 9465
CMD ["node", "--max-semi-space-size=8", "apps/ingest/dist/main.js"]
