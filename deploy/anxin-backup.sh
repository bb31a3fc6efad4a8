#!/bin/sh
# Nightly backup for systemd (anxin-backup.service) or cron (deploy/cron/anxin): one encrypted
# file per night in ANXIN_BACKUP_DIR, checked by reading it back, older ones than
# ANXIN_BACKUP_KEEP_DAYS removed. The keys are NOT in the backup: keep var/anxin.env elsewhere.
set -eu
umask 077
ANXIN="${ANXIN:-/srv/anxin/.venv/bin/anxin}"
DIR="${ANXIN_BACKUP_DIR:-/var/backups/anxin}"
KEEP_DAYS="${ANXIN_BACKUP_KEEP_DAYS:-30}"

FILE="$DIR/anxin-$(date +%Y-%m-%dT%H%M).backup"
"$ANXIN" backup -o "$FILE"
# Read the whole file back (decrypt, check every sha256): a damaged backup is found tonight.
"$ANXIN" restore --check "$FILE"
# Retention: only backups that were written completely carry the name anxin-*.backup.
find "$DIR" -maxdepth 1 -name 'anxin-*.backup' -type f -mtime "+$KEEP_DAYS" -print -delete
