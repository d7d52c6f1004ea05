# gists: the FastCGI responder behind lighttpd, in three stages.
#   docker build -t gists .                 the runtime image (last stage)
#   docker build --target test -t gists-test . && docker run --rm gists-test
#                                           the test suite (make check) in
#                                           an image with everything it
#                                           uses; exits with its status

# -- build: the same autotools commands as the README -------------------------
FROM debian:bookworm-slim AS build
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
        autoconf automake make gcc libc6-dev pkg-config \
        libcurl4-openssl-dev libjson-c-dev libfcgi-dev libhiredis-dev \
        zlib1g-dev libbrotli-dev libzstd-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN ./autogen.sh \
 && ./configure --prefix=/usr/local LIGHTTPD=/usr/sbin/lighttpd \
 && make -j"$(nproc)" \
 && make install-strip DESTDIR=/out

# -- test: make check, with everything it calls (the README's package list) -
# Its own base, so that its packages are a layer no source change rebuilds.
# policy-rc.d: redis-server and varnish are installed for their binaries
# (the tests start them on their own ports), not started as services.
FROM debian:bookworm-slim AS test
ARG DEBIAN_FRONTEND=noninteractive
RUN printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d \
 && chmod +x /usr/sbin/policy-rc.d \
 && apt-get update \
 && apt-get install -y --no-install-recommends \
        autoconf automake make gcc libc6-dev pkg-config \
        libcurl4-openssl-dev libjson-c-dev libfcgi-dev libhiredis-dev \
        zlib1g-dev libbrotli-dev libzstd-dev \
        lighttpd lighttpd-mod-deflate lighttpd-modules-lua ca-certificates \
        bats bats-assert bats-support coreutils curl procps python3 \
        python3-prometheus-client python3-jsonschema python3-yaml \
        chromium prometheus redis-server redis-tools varnish mandoc \
 && rm -rf /var/lib/apt/lists/* /usr/sbin/policy-rc.d
WORKDIR /src
COPY . .
RUN ./autogen.sh \
 && ./configure --enable-werror LIGHTTPD=/usr/sbin/lighttpd \
 && make -j"$(nproc)"
# Everything but tests/container.bats, which builds and runs images and so
# runs on the host (make check says so: "tests/container.bats is not run").
CMD ["make", "check", "CONTAINER_TESTS="]

# -- runtime: lighttpd, the responder, their libraries, CA certificates -------
FROM debian:bookworm-slim
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
        lighttpd lighttpd-modules-lua libcurl4 libjson-c5 libfcgi0ldbl \
        libhiredis0.14 \
        zlib1g libbrotli1 libzstd1 ca-certificates \
 && rm -rf /var/lib/apt/lists/* /var/cache/debconf/*-old /var/log/*.log \
        /usr/share/doc/* /usr/share/man/*
COPY --from=build /out/usr/local/ /usr/local/

# Configuration comes at run time (docs/api.md); these only say where things are.
# The responder's socket goes under /tmp, which a read-only container gets
# as a tmpfs (compose mounts one; podman --read-only does so by itself).
ENV PORT=8080 \
    GISTS_BIND=0.0.0.0 \
    GISTS_RUNTIME_DIR=/tmp/gists
USER www-data
EXPOSE 8080
# lighttpd's graceful stop (gists-supervise passes it on): requests in
# flight finish.
STOPSIGNAL SIGINT
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
    CMD ["gists", "--healthcheck"]
# gists-server checks the configuration, then execs gists-supervise (PID 1),
# which runs the responder and lighttpd -D.
CMD ["gists-server"]
