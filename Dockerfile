# Multi-stage build: compile with the full toolchain, run on a slim image with libpq only.
FROM rust:1-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends libpq-dev && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Cargo.toml Cargo.lock build.rs ./
COPY src ./src
COPY migrations ./migrations
# The desk front end is embedded in the binary at compile time.
COPY ui ./ui
RUN cargo build --release --locked --bin nemid-desk

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends libpq5 ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /var/lib/nemid-desk --create-home nemid
COPY --from=build /src/target/release/nemid-desk /usr/local/bin/nemid-desk
USER nemid
WORKDIR /var/lib/nemid-desk
ENV BIND_ADDR=0.0.0.0:8080 LOG_FORMAT=json
EXPOSE 8080
ENTRYPOINT ["nemid-desk"]
CMD ["serve"]
