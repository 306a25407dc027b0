# One small image with every release-relay tool, git and /bin/sh.
# No ENTRYPOINT: each action.yml names its binary in runs.entrypoint, and GitLab runs
# job scripts through the shell.

FROM rust:1-slim-bookworm AS build
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
# One multi-call executable carries every tool (one copy of the HTTP and TLS stacks
# instead of one per tool); each tool is a link to it.
RUN cargo build --release --locked --bin release-relay \
 && mkdir /out \
 && cp target/release/release-relay /out/ \
 && for tool in $(target/release/release-relay --help | sed -n 's/^tools: //p' | tr ',' ' '); do \
      ln -s release-relay "/out/$tool"; \
    done

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends git ca-certificates openssh-client gnupg \
 && rm -rf /var/lib/apt/lists/* \
 # The workspace is mounted from the runner and owned by another user.
 && git config --system --add safe.directory '*'
COPY --from=build /out/ /usr/local/bin/
LABEL org.opencontainers.image.title="release-relay" \
      org.opencontainers.image.description="Small single-purpose tools for multi-repository releases" \
      org.opencontainers.image.source="https://github.com/release-relay/release-relay" \
      org.opencontainers.image.licenses="MIT OR Apache-2.0"
