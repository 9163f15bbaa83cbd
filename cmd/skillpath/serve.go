package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"time"

	"skillpath"
	"skillpath/certpdf"
	"skillpath/demo"
	"skillpath/server"
	"skillpath/store"
)

func serve(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer, log *slog.Logger) error {
	var cfg config
	fs := newFlagSet("serve", stdout)
	cfg.register(fs, getenv)
	addr := fs.String("addr", envOr(getenv, "SKILLPATH_ADDR", "127.0.0.1:8080"), "address to listen on (env SKILLPATH_ADDR)")
	withDemo := fs.Bool("demo", false, "on an empty database, load a demo organisation and print the admin's login")
	defaultLead, err := envInt(getenv, "SKILLPATH_REENROLL_LEAD_DAYS", 30)
	if err != nil {
		return err
	}
	leadDays := fs.Int("reenroll-lead-days", defaultLead,
		"automatic re-enrollment: the default of certificates that set no reenroll_days_before, capped below their validity (env SKILLPATH_REENROLL_LEAD_DAYS)")
	baseURL := fs.String("base-url", getenv("SKILLPATH_BASE_URL"),
		"the platform's public URL: xAPI statements name activities and certificates link their verification page under it (env SKILLPATH_BASE_URL; default http://ADDR)")
	defaultTrustProxy, err := envBool(getenv, "SKILLPATH_TRUST_PROXY", false)
	if err != nil {
		return err
	}
	trustProxy := fs.Bool("trust-proxy", defaultTrustProxy,
		"behind a reverse proxy: take the client's address (sign-in throttling, verification limit) from the last X-Forwarded-For entry (env SKILLPATH_TRUST_PROXY=1)")
	paper := fs.String("paper", envOr(getenv, "SKILLPATH_PAPER", "a4"), "paper of certificate PDFs: a4 or letter, landscape (env SKILLPATH_PAPER)")
	platformName := fs.String("platform-name", envOr(getenv, "SKILLPATH_PLATFORM_NAME", "skillpath"),
		"the platform's name on certificates and their verification page (env SKILLPATH_PLATFORM_NAME)")
	defaultAllowPrivate, err := envBool(getenv, "SKILLPATH_LRS_ALLOW_PRIVATE", false)
	if err != nil {
		return err
	}
	allowPrivate := fs.Bool("lrs-allow-private", defaultAllowPrivate,
		"let LRS endpoints be on loopback, link-local and private addresses, inside this server's network (env SKILLPATH_LRS_ALLOW_PRIVATE)")
	currencyFlag := fs.String("currency", envOr(getenv, "SKILLPATH_CURRENCY", skillpath.DefaultCurrency),
		"the ISO 4217 currency every price is in, e.g. EUR, USD, GBP (env SKILLPATH_CURRENCY)")
	if help, err := parse(fs, args); help || err != nil {
		return err
	}
	currency, err := skillpath.ParseCurrency("--currency", *currencyFlag)
	if err != nil {
		return err
	}
	certificates, err := certificateSettings(*paper, *platformName, getenv)
	if err != nil {
		return err
	}
	if *leadDays < 0 {
		return fmt.Errorf("--reenroll-lead-days %d: must be 0 or more", *leadDays)
	}
	st, err := openStore(ctx, &cfg, log)
	if err != nil {
		return err
	}
	defer st.Close()

	if err := setUpTracking(ctx, st, *baseURL, getenv("SKILLPATH_SECRET_KEY"), *addr, *withDemo, log); err != nil {
		return err
	}
	if err := bootstrap(ctx, st, getenv, *withDemo, stdout); err != nil {
		return err
	}
	mail, err := mailer(getenv, st, *platformName)
	if err != nil {
		return err
	}
	st.Mail = mail != nil
	if mail != nil {
		log.Info("notifications: emails go through " + mail.Server())
	} else {
		log.Info("notifications: mail is not configured (SKILLPATH_SMTP_URL): no email is sent")
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	app := server.New(st, log)
	app.TrustProxy = *trustProxy
	app.Currency = currency
	st.Currency = currency
	app.Certificates = certificates
	if _, err := app.CertificateFonts(); err != nil {
		log.Warn("certificate PDFs cannot be written until the fonts are installed (apt-get install fonts-dejavu-core fonts-droid-fallback, or set SKILLPATH_FONT_DIR)", "error", err)
	}
	app.LRSGuard.AllowPrivate = *allowPrivate
	app.ReenrollLead = time.Duration(*leadDays) * 24 * time.Hour
	workCtx, stopWork := context.WithCancel(ctx)
	defer stopWork()
	waitDelivery := startDelivery(workCtx, st, app, log)
	waitNotifications := startNotifications(workCtx, st, mail, app, log)
	srv := server.NewHTTPServer(app)
	fmt.Fprintf(stdout, "skillpath listening on http://%s (database: %s, time zone: %s)\n", ln.Addr(), st.Dialect(), st.Zone)
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	go sweep(ctx, st, time.Duration(*leadDays)*24*time.Hour, log)

	select {
	case err := <-serveErr:
		return err
	case <-ctx.Done():
	}
	// SIGTERM: stop accepting, let in-flight requests finish, exit 0.
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	stopWork()
	waitDelivery()
	waitNotifications()
	return nil
}

// openStore opens the database with the configured clock and time zone.
func openStore(ctx context.Context, cfg *config, log *slog.Logger) (*store.Store, error) {
	clock, err := cfg.clock()
	if err != nil {
		return nil, err
	}
	zone, err := cfg.zone()
	if err != nil {
		return nil, err
	}
	st, err := store.Open(ctx, cfg.db, log)
	if err != nil {
		return nil, err
	}
	st.Now, st.Zone = clock, zone
	return st, nil
}

// bootstrap creates the first platform admin from the environment and, with
// --demo, the demo organisation — both only on an empty database.
func bootstrap(ctx context.Context, st *store.Store, getenv func(string) string, withDemo bool, stdout io.Writer) error {
	n, err := st.CountUsers(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		if withDemo {
			fmt.Fprintln(stdout, "The database is not empty: the demo organisation is not loaded again.")
		}
		return nil
	}
	email, pass := getenv("SKILLPATH_ADMIN_EMAIL"), getenv("SKILLPATH_ADMIN_PASSWORD")
	if (email == "") != (pass == "") {
		return fmt.Errorf("SKILLPATH_ADMIN_EMAIL and SKILLPATH_ADMIN_PASSWORD go together: set both or neither")
	}
	if withDemo {
		login, err := demo.Load(ctx, st, email, pass)
		if errors.Is(err, demo.ErrNotEmpty) {
			fmt.Fprintln(stdout, "The database is not empty: the demo organisation is not loaded again.")
			return nil
		} else if err != nil {
			return fmt.Errorf("load the demo organisation: %w", err)
		}
		fmt.Fprintf(stdout, "Demo organisation loaded. Log in as %s with password %s\n", login.Email, login.Password)
		return nil
	}
	if email == "" {
		fmt.Fprintln(stdout, "The database is empty: set SKILLPATH_ADMIN_EMAIL and SKILLPATH_ADMIN_PASSWORD to create the first platform admin, or run with --demo.")
		return nil
	}
	admin := &skillpath.User{Email: email, Name: "Administrator", PlatformAdmin: true}
	created, err := st.CreateFirstAdmin(ctx, admin, pass)
	if err != nil {
		return fmt.Errorf("create the first platform admin: %s", skillpath.ErrorMessage(err))
	}
	if created {
		fmt.Fprintf(stdout, "Platform admin %s created.\n", email)
	}
	return nil
}

// sweepEvery is how often the automatic re-enrollment sweep runs (SPEC §2),
// in real time whatever the business clock says.
const sweepEvery = time.Hour

// sweep runs the automatic re-enrollment at start-up and then every hour
// until ctx ends. Several processes may sweep at once: the store makes it
// idempotent.
func sweep(ctx context.Context, st *store.Store, lead time.Duration, log *slog.Logger) {
	ticker := time.NewTicker(sweepEvery)
	defer ticker.Stop()
	for {
		n, err := st.Reenroll(ctx, lead)
		if err != nil && ctx.Err() == nil {
			log.Error("automatic re-enrollment", "error", err)
		} else if n > 0 {
			log.Info("automatic re-enrollment", "enrolled", n)
		}
		notifySweep(ctx, st, log)
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

// certificateSettings reads the settings of certificate documents (SPEC
// §8): --paper, --platform-name and SKILLPATH_FONT_DIR.
func certificateSettings(paper, platformName string, getenv func(string) string) (server.CertificateSettings, error) {
	p, err := certpdf.ParsePaper(paper)
	if err != nil {
		return server.CertificateSettings{}, fmt.Errorf("--paper %q: must be a4 or letter", paper)
	}
	if err := skillpath.ValidateName("--platform-name", platformName); err != nil {
		return server.CertificateSettings{}, fmt.Errorf("%s", skillpath.ErrorMessage(err))
	}
	return server.CertificateSettings{PlatformName: platformName, Paper: p, FontDir: getenv("SKILLPATH_FONT_DIR")}, nil
}
