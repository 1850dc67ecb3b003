package runlog

import (
	"context"
	"database/sql"
	"fmt"
)

// migrations bring the schema from each version to the next: a database at
// user_version n runs migrations[n:] in order, each in its transaction. A
// migration is never edited once released; a change is a new one.
var migrations = []string{
	// 1: runs, their steps, events and checkpoints.
	`CREATE TABLE runs (
		id       TEXT PRIMARY KEY,
		flow     TEXT NOT NULL,
		status   TEXT NOT NULL,
		started  INTEGER NOT NULL,            -- Unix nanoseconds
		updated  INTEGER NOT NULL,
		ended    INTEGER,                     -- NULL while the run is in progress
		steps    INTEGER NOT NULL DEFAULT 0,
		error    TEXT NOT NULL DEFAULT '',
		waiting  TEXT NOT NULL DEFAULT '',    -- the await node a waiting run stopped at
		question TEXT NOT NULL DEFAULT '',    -- and what it asks, as JSON
		pid      INTEGER NOT NULL DEFAULT 0,
		host     TEXT NOT NULL DEFAULT '',
		graph    TEXT NOT NULL DEFAULT ''     -- the flow's runtime.Graph, as JSON
	);
	CREATE INDEX runs_by_start ON runs (started);
	CREATE TABLE steps (
		run_id   TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
		step     INTEGER NOT NULL,
		flow     TEXT NOT NULL,
		node     TEXT NOT NULL,
		status   TEXT NOT NULL,
		action   TEXT NOT NULL DEFAULT '',
		started  INTEGER NOT NULL,
		elapsed  INTEGER NOT NULL DEFAULT 0,  -- nanoseconds
		attempts INTEGER NOT NULL DEFAULT 1,
		error    TEXT NOT NULL DEFAULT '',
		stack    TEXT NOT NULL DEFAULT '',
		PRIMARY KEY (run_id, step)
	);
	CREATE TABLE events (
		id      INTEGER PRIMARY KEY,
		run_id  TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
		step    INTEGER NOT NULL,
		time    INTEGER NOT NULL,
		kind    TEXT NOT NULL,                -- retry, fallback, write, emit
		node    TEXT NOT NULL,
		attempt INTEGER NOT NULL DEFAULT 0,
		wait    INTEGER NOT NULL DEFAULT 0,
		field   TEXT NOT NULL DEFAULT '',
		old     TEXT NOT NULL DEFAULT '',
		new     TEXT NOT NULL DEFAULT '',
		value   TEXT NOT NULL DEFAULT '',
		error   TEXT NOT NULL DEFAULT ''
	);
	CREATE INDEX events_by_run ON events (run_id, id);
	CREATE TABLE checkpoints (
		run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
		step   INTEGER NOT NULL,
		node   TEXT NOT NULL,
		next   TEXT NOT NULL,
		time   INTEGER NOT NULL,
		data   BLOB NOT NULL,                 -- runtime.EncodeCheckpoint's bytes
		PRIMARY KEY (run_id, step)
	);`,
}

// SchemaVersion is the schema version this package writes.
var SchemaVersion = len(migrations)

// migrate brings the database's schema to SchemaVersion, refusing one
// that a newer version of this package wrote.
func (l *Log) migrate() error {
	var version int
	if err := l.db.QueryRow(`PRAGMA user_version`).Scan(&version); err != nil {
		return err
	}
	if version > len(migrations) {
		return fmt.Errorf("schema version %d is newer than this runlog writes (%d): update github.com/digital-duck/picoflow-go", version, len(migrations))
	}
	for v := version; v < len(migrations); v++ {
		err := l.write(context.Background(), func(tx *sql.Tx) error {
			// Another process may have migrated since we looked.
			var now int
			if err := tx.QueryRow(`PRAGMA user_version`).Scan(&now); err != nil {
				return err
			}
			if now > v {
				return nil
			}
			if _, err := tx.Exec(migrations[v]); err != nil {
				return err
			}
			_, err := tx.Exec(fmt.Sprintf(`PRAGMA user_version = %d`, v+1))
			return err
		})
		if err != nil {
			return fmt.Errorf("migrate the schema to version %d: %w", v+1, err)
		}
	}
	return nil
}
