package pgstore

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
)

// SetWatermark durably records t as view's materialization watermark: the
// time up to which its rows are in the store. Materialization calls it only
// after the rows' Write returned.
func (s *Store) SetWatermark(ctx context.Context, project, view string, t time.Time) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	w, ns := split(t)
	_, err := s.pool.Exec(ctx, `
		INSERT INTO featuregate_online.watermarks (project, view, watermark, watermark_ns)
		VALUES ($1, $2, $3, $4)
		ON CONFLICT (project, view) DO UPDATE
		SET watermark = excluded.watermark, watermark_ns = excluded.watermark_ns`,
		project, view, w, ns)
	if err != nil {
		return wrap(ctx, "set watermark of "+project+"."+view, err)
	}
	return nil
}

// Watermark returns view's watermark; ok is false when none was set.
func (s *Store) Watermark(ctx context.Context, project, view string) (t time.Time, ok bool, err error) {
	if err := s.check(ctx); err != nil {
		return time.Time{}, false, err
	}
	var ns int16
	err = s.pool.QueryRow(ctx, `
		SELECT watermark, watermark_ns FROM featuregate_online.watermarks
		WHERE project = $1 AND view = $2`, project, view).Scan(&t, &ns)
	if errors.Is(err, pgx.ErrNoRows) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, wrap(ctx, "watermark of "+project+"."+view, err)
	}
	return join(t, ns), true, nil
}

// DropView deletes every value of view and its watermark, in one
// transaction.
func (s *Store) DropView(ctx context.Context, project, view string) error {
	return s.drop(ctx, "view "+project+"."+view, `
		DELETE FROM featuregate_online.features f
		USING (SELECT project, view, key FROM featuregate_online.features
		       WHERE project = $1 AND view = $2 ORDER BY key FOR UPDATE) l
		WHERE f.project = $1 AND f.view = $2 AND f.key = l.key`, `
		DELETE FROM featuregate_online.watermarks WHERE project = $1 AND view = $2`,
		project, view)
}

// DropProject deletes every value and watermark of project, in one
// transaction.
func (s *Store) DropProject(ctx context.Context, project string) error {
	return s.drop(ctx, "project "+project, `
		DELETE FROM featuregate_online.features f
		USING (SELECT project, view, key FROM featuregate_online.features
		       WHERE project = $1 ORDER BY view COLLATE "C", key FOR UPDATE) l
		WHERE f.project = $1 AND f.view = l.view AND f.key = l.key`, `
		DELETE FROM featuregate_online.watermarks WHERE project = $1`,
		project)
}

// drop runs a features and a watermarks DELETE in one pipelined batch (one
// implicit transaction). The features statement first locks the rows it
// deletes in (view, key) order, bytewise, the order in which Write sends
// its rows, so that a drop and concurrent Writes never wait on each other
// in a cycle; being one statement, it deletes exactly the rows it locked
// (a row a Write commits meanwhile was written after the drop).
func (s *Store) drop(ctx context.Context, what, features, watermarks string, args ...any) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	b := &pgx.Batch{}
	b.Queue(features, args...)
	b.Queue(watermarks, args...)
	if err := s.pool.SendBatch(ctx, b).Close(); err != nil {
		return wrap(ctx, "drop "+what, err)
	}
	return nil
}
