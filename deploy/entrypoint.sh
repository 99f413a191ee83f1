#!/bin/sh
# The image's entrypoint. Fly mounts a fresh volume owned by root at /var/lib/auth-mirror, and
# SPOOL_DIR lives on it: started as root, this makes SPOOL_DIR the service user's (uid and gid
# 10001, created by the Dockerfile) and then runs the command as that user, never as root.
# Started as any other user (`docker run --user ...`), it prepares nothing and runs the command
# as it is.
#
# Arguments: the command (the image's CMD is `auth-mirror serve`; Fly's release command is
# `auth-mirror migrate`). Arguments that are not a command are auth-mirror's own, so
# `docker run IMAGE migrate` works too.
#
# A folder it cannot prepare (a read-only or full disk) is left to the service, which stops
# saying what is wrong with SPOOL_DIR and how to fix it, in the configured log format.
set -eu

service_user=10001

if [ "$#" -eq 0 ] || ! command -v "$1" >/dev/null 2>&1; then
    set -- auth-mirror "$@"
fi

if [ "$(id -u)" -ne 0 ]; then
    exec "$@"
fi

if [ -n "${SPOOL_DIR:-}" ]; then
    # Spooled deliveries hold users' e-mail addresses: the folder is the service user's alone.
    { mkdir -p -- "$SPOOL_DIR" \
        && chown -R -- "$service_user:$service_user" "$SPOOL_DIR" \
        && chmod 0700 -- "$SPOOL_DIR"; } 2>/dev/null || true
fi

# No supplementary groups, no way back to root (no setuid binary can raise privileges again).
# The service user has no home: root's, unreadable to it, would only make libraries warn.
export HOME=/nonexistent
exec setpriv --reuid="$service_user" --regid="$service_user" --clear-groups --no-new-privs -- "$@"
