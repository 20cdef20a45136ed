package server

import (
	"context"
	"log/slog"

	"github.com/ttpnl/ttp/keys"
	"github.com/ttpnl/ttp/server/config"
	"github.com/ttpnl/ttp/server/store"
	"github.com/ttpnl/ttp/server/store/badgerstore"
	"github.com/ttpnl/ttp/server/store/pgstore"
)

// OpenStore opens the store the configuration names: PostgreSQL for a
// store_url, otherwise Badger in store_dir, encrypted at rest under a key
// derived from the KEK.
func OpenStore(ctx context.Context, cfg *config.Config, kek *keys.KEK, log *slog.Logger) (store.Store, error) {
	if cfg.StoreURL != "" {
		return pgstore.Open(ctx, cfg.StoreURL, log)
	}
	return badgerstore.Open(cfg.StoreDir, kek.DeriveStoreKey(), log)
}
