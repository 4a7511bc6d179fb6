# Assay: one image for every role (api, worker, scheduler, migrate, tokens).
#   docker build -t assay .
#   docker run --rm -v assay-data:/data assay tokens create --name admin --role admin   # prints a token once
#   docker run --rm -p 5050:5050 -e ASSAY_HOST=0.0.0.0 -v assay-data:/data assay   # embedded mode
# The distributed setup (Postgres, Redis and the three roles) is docker-compose.yml.
FROM node:22-slim

WORKDIR /app

# Dependencies first, so editing the sources does not reinstall them. The image runs the compiled
# JavaScript (less memory and a faster start than transpiling at run time); the compiler is a
# dev dependency, so the full install is needed.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund && npm cache clean --force

COPY tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY config ./config
COPY src ./src
COPY workers ./workers
# Compiles and bundles the server (dist/src/bundle) and builds the web console (dist/web), served at / by the API.
RUN npm run build

# Embedded mode keeps its PGlite database here; mount a volume (-v assay-data:/data) to keep it.
# Not a VOLUME: distributed roles keep nothing on disk and would each get an empty one.
RUN mkdir -p /data && chown node:node /data
ENV NODE_ENV=production \
    ASSAY_DATA_DIR=/data \
    ASSAY_PORT=5050
EXPOSE 5050 4317

USER node

# The CLI handles SIGTERM itself: stop intake, drain jobs, close Redis and the database.
ENTRYPOINT ["node", "dist/src/bundle/main.js"]
CMD ["start"]
