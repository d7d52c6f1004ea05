# gists: the FastCGI responder behind lighttpd, in three stages.
#   docker build -t gists .                 the runtime image (last stage)
#   docker build --target test -t gists-test .  && docker run --rm gists-test
#                                           the test suite inside the image
#                                           build environment (make check)

# -- build: the same autotools commands as the README -------------------------
FROM debian:bookworm-slim AS build
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
        autoconf automake make gcc libc6-dev pkg-config \
        libcurl4-openssl-dev libjson-c-dev libfcgi-dev \
        zlib1g-dev libbrotli-dev libzstd-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN ./autogen.sh \
 && ./configure --prefix=/usr/local LIGHTTPD=/usr/sbin/lighttpd \
 && make -j"$(nproc)" \
 && make install-strip DESTDIR=/out

# -- test: make check with the real lighttpd, in the build environment --------
FROM build AS test
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
        lighttpd curl ca-certificates python3 bats bats-assert bats-support \
        prometheus \
 && rm -rf /var/lib/apt/lists/* \
 && ./configure --prefix=/usr/local LIGHTTPD=/usr/sbin/lighttpd \
 && make -j"$(nproc)"
CMD ["make", "check"]

# -- runtime: lighttpd, the responder, their libraries, CA certificates -------
FROM debian:bookworm-slim
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
        lighttpd libcurl4 libjson-c5 libfcgi0ldbl ca-certificates \
        zlib1g libbrotli1 libzstd1 \
 && rm -rf /var/lib/apt/lists/* /var/cache/debconf/*-old /var/log/*.log \
        /usr/share/doc/* /usr/share/man/*
COPY --from=build /out/usr/local/ /usr/local/

# Configuration comes at run time (API.md); these only say where things are.
# The responder's socket goes under /tmp, which a read-only container gets
# as a tmpfs (compose mounts one; podman --read-only does so by itself).
ENV PORT=8080 \
    GISTS_BIND=0.0.0.0 \
    GISTS_RUNTIME_DIR=/tmp/gists
USER www-data
EXPOSE 8080
# lighttpd's graceful stop: requests in flight finish.
STOPSIGNAL SIGINT
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
    CMD ["gists", "--healthcheck"]
# gists-server checks the configuration, then execs lighttpd -D (PID 1).
CMD ["gists-server"]
