# The Debian variant of the image: every release-relay tool, git, gnupg, openssh-client
# and /bin/sh (the default image, smaller and without gpg and ssh, is built by
# scripts/image). No ENTRYPOINT: each action.yml names its binary in runs.entrypoint, and
# GitLab runs job scripts through the shell.

FROM rust:1-slim-bookworm AS build
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
WORKDIR /src
# The dependencies first, in a layer of their own: a change to the sources alone reuses
# it instead of building every crate again.
COPY Cargo.toml Cargo.lock ./
RUN mkdir -p src/bin \
 && echo 'fn main() {}' > src/bin/release-relay.rs \
 && cp src/bin/release-relay.rs src/bin/read-tag-metadata.rs \
 && touch src/lib.rs \
 && cargo build --release --locked --bin release-relay \
 && rm -rf src
COPY src ./src
# One multi-call executable carries every tool (one copy of the HTTP and TLS stacks
# instead of one per tool); each tool is a link to it. The list comes from the binary:
# an empty list, or one that does not match the actions, fails the build.
RUN touch src/lib.rs src/bin/release-relay.rs \
 && cargo build --release --locked --bin release-relay \
 && mkdir /out \
 && cp target/release/release-relay /out/ \
 && /out/release-relay --help > /tmp/help \
 && tools="$(sed -n 's/^tools: //p' /tmp/help | tr ',' ' ')" \
 && test -n "$tools" \
 && for tool in $tools; do ln -s release-relay "/out/$tool" || exit 1; done \
 && for tool in $tools; do "/out/$tool" --help > /dev/null || exit 1; done

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
