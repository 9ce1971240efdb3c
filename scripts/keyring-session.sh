#!/bin/sh
# Inside a private D-Bus session (dbus-run-session): start gnome-keyring with a fresh, unlocked
# throwaway keyring, wait until it really answers, then run the command given.
#   MC_KEYRING_DIR  the keyring folder (fresh, so no existing keyring with another password prompts)
#   MC_KEYRING_PW   its password
# The daemon forks before it owns org.freedesktop.secrets on the bus. A client that asks first
# makes the bus start a second daemon, without the unlocked keyring, and every store is then
# refused: the whole suite fails on "the OS keychain refused to store". So the name is awaited
# without activating anything (NameHasOwner), and one store and delete is tried before the tests.
set -eu
main=$$
# In the foreground of a subshell that outlives it, so that if it ends before the command does (CI
# has seen it vanish mid-run a few times, cause unknown) the log says how: its exit status or the
# signal that ended it, and what it wrote to stderr.
daemon_err=$(mktemp)
(
  set +e
  printf %s "${MC_KEYRING_PW:-ci-keyring}" | XDG_DATA_HOME="$MC_KEYRING_DIR" gnome-keyring-daemon --foreground --components=secrets --unlock >/dev/null 2>"$daemon_err"
  rc=$?
  if kill -0 "$main" 2>/dev/null; then
    how="exit status $rc"
    [ "$rc" -gt 128 ] && how="signal $((rc - 128)) ($(kill -l $((rc - 128)) 2>/dev/null || echo '?'))"
    echo "keyring-session: $(date -u +%H:%M:%S) gnome-keyring-daemon ended mid-run: $how; its stderr: $(tail -c 1500 "$daemon_err" | tr '\n' ' ')" >&2
  fi
  rm -f "$daemon_err"
) &
owned() {
  dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q 'boolean true'
}
i=0
until owned; do
  i=$((i + 1))
  if [ "$i" -ge 100 ]; then
    echo "keyring-session: gnome-keyring did not take org.freedesktop.secrets within 20 s" >&2
    exit 1
  fi
  sleep 0.2
done
i=0
until printf ready | secret-tool store --label='Mission Control keyring probe' mc-keyring-probe ready 2>/dev/null; do
  i=$((i + 1))
  if [ "$i" -ge 50 ]; then
    echo "keyring-session: the throwaway keyring refuses to store (locked?) after 10 s" >&2
    exit 1
  fi
  sleep 0.2
done
secret-tool clear mc-keyring-probe ready

# The daemon that owns the name now, by process id. Should it go away mid-run (CI has seen every
# store refused from some test on, in unit tests and browser hosts alike), the bus would start a
# locked one on the next request. A watchdog says so on stderr, with the time, and starts the
# daemon again with the same keyring folder and password (--replace takes the name from a locked
# stand-in), so the run continues and its log names the moment. It ends with the command.
owner() {
  dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus.GetConnectionUnixProcessID string:org.freedesktop.secrets 2>/dev/null | awk '/uint32/ {print $2}'
}
first=$(owner)
(
  while kill -0 "$main" 2>/dev/null; do
    sleep 0.5
    now=$(owner)
    [ "$now" = "$first" ] && continue
    kill -0 "$main" 2>/dev/null || break
    echo "keyring-session: $(date -u +%H:%M:%S) the keyring daemon (pid $first) is gone (name now held by: ${now:-nobody}); starting it again" >&2
    # A stand-in the bus started holds the name without the unlocked keyring: stop it first
    # (CI saw --replace leave it in place), then start the daemon on the same keyring folder.
    # The bus can start another stand-in at any request in between (CI saw one win the race), so
    # this is tried until a store works, a few times. The app's vault retries for a few seconds
    # meanwhile, so a test's call waits out the gap instead of failing.
    tries=0
    answered=no
    while [ "$tries" -lt 6 ] && [ "$answered" = no ]; do
      tries=$((tries + 1))
      now=$(owner)
      [ -n "$now" ] && kill "$now" 2>/dev/null
      i=0
      while [ -n "$(owner)" ] && [ "$i" -lt 10 ]; do sleep 0.1; i=$((i + 1)); done
      printf %s "${MC_KEYRING_PW:-ci-keyring}" | XDG_DATA_HOME="$MC_KEYRING_DIR" gnome-keyring-daemon --replace --components=secrets --unlock >/dev/null 2>&1 || true
      sleep 0.5
      if printf ready | secret-tool store --label='Mission Control keyring probe' mc-keyring-probe ready 2>/dev/null; then
        secret-tool clear mc-keyring-probe ready
        answered=yes
      fi
    done
    if [ "$answered" = yes ]; then
      echo "keyring-session: $(date -u +%H:%M:%S) the keyring answers again (after $tries start(s))" >&2
    else
      echo "keyring-session: $(date -u +%H:%M:%S) the restarted keyring still refuses to store after $tries starts" >&2
    fi
    first=$(owner)
  done
) &
exec "$@"
