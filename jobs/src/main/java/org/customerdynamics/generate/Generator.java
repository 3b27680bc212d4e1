package org.customerdynamics.generate;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.zip.GZIPOutputStream;

/**
 * Writes the synthetic landing zone ({@code <out>/landing/<source>/<yyyy-mm-dd>/...}) and its ground
 * truth ({@code <out>/truth/}). Deterministic per seed: the same options give byte-identical files.
 *
 * <p>Sources and formats (each with its own mapping in {@code conf/sources/}): {@code web} JSON lines,
 * gzipped, ISO-8601 times with offset; {@code app} JSON lines, epoch milliseconds, nested objects;
 * {@code pos} CSV, gzipped, {@code dd/MM/yyyy HH:mm:ss} Paris local time; {@code callcenter} CSV with
 * quoted notes, New York local time; {@code email} JSON lines, epoch seconds; {@code social} JSON
 * lines, Twitter-style times; {@code crm} CSV, zone-less UTC times; {@code iot} JSON lines, fractional
 * epoch seconds.
 */
public final class Generator {
  static final String[] CHANNELS = {
    "web", "mobile_app", "store", "kiosk", "call_center", "chat", "email", "social", "iot"
  };

  static final String[] POS_COLUMNS = {
    "txn_id", "store_id", "terminal", "local_time", "loyalty_card", "customer_no", "phone", "sku",
    "category", "qty", "amount", "currency", "kind"
  };
  static final String[] CALL_COLUMNS = {
    "call_id", "started_at", "channel", "caller_phone", "crm_id", "email", "agent", "reason",
    "outcome", "csat", "notes"
  };
  static final String[] CRM_COLUMNS = {
    "record_id", "occurred_at", "channel", "customer_id", "email", "phone", "loyalty_id",
    "record_type", "product_id", "rating", "text", "consent_marketing", "referred_email"
  };

  private static final ZoneId PARIS = ZoneId.of("Europe/Paris");
  private static final ZoneId NEW_YORK = ZoneId.of("America/New_York");
  private static final DateTimeFormatter ISO_OFFSET =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX", Locale.ROOT);
  private static final DateTimeFormatter POS_TIME =
      DateTimeFormatter.ofPattern("dd/MM/yyyy HH:mm:ss", Locale.ROOT);
  private static final DateTimeFormatter CALL_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT);
  private static final DateTimeFormatter CRM_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss", Locale.ROOT);
  private static final DateTimeFormatter TWITTER_TIME =
      DateTimeFormatter.ofPattern("EEE MMM dd HH:mm:ss Z yyyy", Locale.ENGLISH);
  private static final String BAD_BYTES_MARK = "\u0001BAD\u0001";
  private static final String BAD_BYTES_JSON = "\\u0001BAD\\u0001";
  private static final int STORES = 12;
  private static final String[] STORE_IDS = new String[STORES];
  private static final String[][] POS_IDS = new String[STORES][4];
  private static final String[] KIOSK_IDS = new String[World.KIOSKS];
  private static final String[] AGENT_IDS = new String[40];

  static {
    for (int s = 0; s < STORES; s++) {
      STORE_IDS[s] = String.format("ST%02d", s + 1);
      for (int t = 0; t < 4; t++) {
        POS_IDS[s][t] = String.format("POS-%02d-%d", s + 1, t + 1);
      }
    }
    for (int k = 0; k < World.KIOSKS; k++) {
      KIOSK_IDS[k] = String.format("KIOSK-%02d", k + 1);
    }
    for (int a = 0; a < AGENT_IDS.length; a++) {
      AGENT_IDS[a] = String.format("AG-%03d", a + 1);
    }
  }

  /** A source's file layout. */
  enum Source {
    WEB("web", false, true, null),
    APP("app", false, false, null),
    POS("pos", true, true, POS_COLUMNS),
    CALLCENTER("callcenter", true, false, CALL_COLUMNS),
    EMAIL("email", false, false, null),
    SOCIAL("social", false, false, null),
    CRM("crm", true, false, CRM_COLUMNS),
    IOT("iot", false, false, null);

    final String name;
    final boolean csv;
    final boolean gzip;
    final String[] columns;

    Source(String name, boolean csv, boolean gzip, String[] columns) {
      this.name = name;
      this.csv = csv;
      this.gzip = gzip;
      this.columns = columns;
    }

    String fileName() {
      return "part-0000." + (csv ? "csv" : "jsonl") + (gzip ? ".gz" : "");
    }
  }

  /** One raw record waiting for its file, with the day folder it lands in. */
  private record Pending(Rec rec, String idKey, String timeKey) {}

  private final GeneratorOptions o;
  private final World world;
  private final SplittableRandom r;
  private final long[] counters = new long[Source.values().length];
  private final List<String> malformedTruth = new ArrayList<>();
  private final long[] linesWritten = new long[Source.values().length];
  private long events;
  private long malformed;
  private long duplicates;
  private long late;
  private int malformedKind;

  // Per source, the records of today and the late ones carried to tomorrow.
  @SuppressWarnings("unchecked")
  private final List<Pending>[] today = new List[Source.values().length];

  @SuppressWarnings("unchecked")
  private final List<Pending>[] tomorrow = new List[Source.values().length];

  public Generator(GeneratorOptions options) {
    this.o = options;
    this.world = new World(options);
    this.r = new SplittableRandom(options.seed() * 31 + 17);
    for (int s = 0; s < today.length; s++) {
      today[s] = new ArrayList<>();
      tomorrow[s] = new ArrayList<>();
    }
  }

  /** Figures of one run, printed by the command. */
  public record Summary(long events, long lines, long malformed, long duplicates, long late, int persons, int days) {}

  public Summary run() {
    try {
      Files.createDirectories(o.landing());
      Files.createDirectories(o.truth());
      for (int d = 0; d < o.days(); d++) {
        LocalDate date = o.start().plusDays(d);
        for (Person p : world.persons) {
          personDay(p, d, date);
        }
        flushDay(date, d == o.days() - 1);
      }
      writeTruth();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    long lines = 0;
    for (long l : linesWritten) {
      lines += l;
    }
    return new Summary(events, lines, malformed, duplicates, late, world.persons.length, o.days());
  }

  // ---------------------------------------------------------------- behaviour of one person on a day

  private void personDay(Person p, int d, LocalDate date) {
    long dayStart = date.atStartOfDay(ZoneOffset.UTC).toEpochSecond();
    boolean linkingDay = d == p.index % Math.min(o.days(), o.linkingDays());
    if (!p.activeOn(d)) {
      if (d == p.churnDay && p.explicitCancel) {
        crm(p, dayStart + 9 * 3600 + r.nextInt(8 * 3600), "subscription_cancel", "web", null, null, null);
      }
      return;
    }
    if (linkingDay) {
      linkIdentifiers(p, dayStart);
    }
    double engagement = p.engagementOn(d);
    double lambda = o.eventsPerDay() * p.activity * engagement;
    int sessions = poisson(lambda / 2.6);
    for (int s = 0; s < sessions; s++) {
      int channel = pick(p.channelWeights);
      long t = dayStart + r.nextInt(86_400 - 3_600);
      switch (channel) {
        case 0 -> webSession(p, t);
        case 1 -> appSession(p, t);
        case 2 -> storeVisit(p, t, false);
        case 3 -> storeVisit(p, t, true);
        case 8 -> iot(p, t);
        default -> webSession(p, t);
      }
    }
    int mood = p.moodOn(d);
    // E-mail campaigns: opens and clicks of consenting, subscribed persons.
    if (p.email != null && p.marketingConsent && d < p.unsubscribeDay
        && r.nextDouble() < 0.18 * engagement * (p.niche ? 2.5 : 1)) {
      long t = dayStart + r.nextInt(86_400);
      email(p, t, "open");
      if (r.nextDouble() < (p.niche ? 0.7 : 0.3)) {
        email(p, t + 30 + r.nextInt(600), "click");
      }
    }
    if (d == p.unsubscribeDay) {
      email(p, dayStart + r.nextInt(86_400), "unsubscribe");
    }
    // Social activity along the follow graph.
    if (p.handle != null && r.nextDouble() < (p.influencer ? 0.5 : 0.12) * Math.max(engagement, 0.5)) {
      social(p, dayStart + r.nextInt(86_400), mood, d);
    }
    // Support: a baseline need, more for unhappy churners who do complain.
    double supportProb = p.customer ? 0.015 : 0.002;
    if (p.churner && !p.silent && mood < 0) {
      supportProb = 0.12;
    }
    if (r.nextDouble() < supportProb) {
      support(p, dayStart + 8 * 3600 + r.nextInt(10 * 3600), mood, true);
    }
    // Reviews and feedback with ratings.
    if (r.nextDouble() < (p.customer ? 0.03 : 0.008) * (mood < 0 ? 2 : 1)) {
      int rating = mood == 0 ? TextMaker.rating(r, 0) : TextMaker.rating(r, mood);
      int textMood = mood == 0 ? TextMaker.moodOfRating(rating) : mood;
      String text = TextMaker.sentence(r, textMood, p.favouriteCategory);
      if (p.devices.length > 0 && r.nextBoolean()) {
        appReview(p, dayStart + r.nextInt(86_400), rating, text);
      } else {
        crm(p, dayStart + r.nextInt(86_400), r.nextBoolean() ? "review" : "survey", "web", rating, text, product(p));
      }
    }
  }

  /** Events that carry an anchor identifier with each other identifier, so a person is connected. */
  private void linkIdentifiers(Person p, long dayStart) {
    long t = dayStart + 7 * 3600 + r.nextInt(3600);
    for (String cookie : p.cookies) {
      Rec w = webBase(p, t, cookie, p.email != null ? "signup" : "pageview");
      w.put("userId", p.customerId);
      w.put("email", p.email != null ? emailVariant(p.email) : null);
      if (p.email == null && p.customerId == null) {
        w.put("email", null);
      }
      emit(Source.WEB, w, "eventId", "ts");
      t += 60;
    }
    for (String device : p.devices) {
      Rec a = appBase(p, t, device, "app_open");
      a.put("user.email", p.email != null ? emailVariant(p.email) : null);
      emit(Source.APP, a, "id", "timestamp_ms");
      t += 60;
    }
    if (p.handle != null) {
      Rec w = webBase(p, t, p.cookies[0], "social_login");
      w.put("userId", p.customerId);
      w.put("email", p.email != null ? emailVariant(p.email) : null);
      w.put("socialHandle", p.handle);
      emit(Source.WEB, w, "eventId", "ts");
      t += 60;
    }
    if (p.phone != null) {
      support(p, t + 3600, 0, false);
    }
    if (p.loyaltyId != null) {
      Rec pos = posBase(p, t + 7200, false);
      pos.put("kind", "ENROLL");
      pos.put("customer_no", p.customerId);
      emit(Source.POS, pos, "txn_id", "local_time");
    }
    if (p.email != null) {
      crm(p, t + 120, "consent_change", "web", null, null, null);
    }
    // Traps: a sign-up form's placeholder e-mail shared by many prospects.
    if (!p.customer && p.email == null && r.nextDouble() < 0.08) {
      Rec w = webBase(p, t + 30, p.cookies[0], "signup");
      w.put("email", World.TRAP_EMAIL);
      emit(Source.WEB, w, "eventId", "ts");
    }
  }

  private void webSession(Person p, long t) {
    String cookie = p.cookies[r.nextInt(p.cookies.length)];
    boolean loggedIn = p.customerId != null && r.nextDouble() < 0.5;
    int n = 1 + r.nextInt(p.niche ? 7 : 5);
    String category = r.nextDouble() < 0.7 ? p.favouriteCategory : World.CATEGORIES[r.nextInt(World.CATEGORIES.length)];
    String sku = sku(category);
    for (int i = 0; i < n; i++) {
      double u = r.nextDouble();
      String type = i == 0 ? "pageview" : u < 0.55 ? "pageview" : u < 0.75 ? "search" : u < 0.95 ? "add_to_cart" : "pageview";
      Rec w = webBase(p, t, cookie, type);
      if (loggedIn) {
        w.put("userId", p.customerId);
      }
      w.put("page.url", "/p/" + sku);
      w.put("page.category", category);
      w.put("page.productId", sku);
      if (type.equals("search")) {
        w.put("query", category + " " + (r.nextBoolean() ? "sale" : "new"));
      }
      emit(Source.WEB, w, "eventId", "ts");
      t += 10 + r.nextInt(240);
    }
    if (p.customer && !p.niche && r.nextDouble() < 0.22) {
      Rec w = webBase(p, t, cookie, "order");
      w.put("userId", p.customerId);
      w.put("email", r.nextDouble() < 0.5 && p.email != null ? emailVariant(p.email) : null);
      w.put("page.url", "/checkout");
      w.put("page.category", category);
      w.put("page.productId", sku);
      w.put("order.total", money(category));
      w.put("order.currency", "EUR");
      emit(Source.WEB, w, "eventId", "ts");
    } else if (p.niche && r.nextDouble() < 0.01) {
      Rec w = webBase(p, t, cookie, "order");
      w.put("email", p.email != null ? emailVariant(p.email) : null);
      w.put("page.category", category);
      w.put("page.productId", sku);
      w.put("order.total", money(category));
      w.put("order.currency", "EUR");
      emit(Source.WEB, w, "eventId", "ts");
    }
  }

  private void appSession(Person p, long t) {
    String device = p.devices[r.nextInt(p.devices.length)];
    int n = 1 + r.nextInt(4);
    String category = r.nextDouble() < 0.7 ? p.favouriteCategory : World.CATEGORIES[r.nextInt(World.CATEGORIES.length)];
    String sku = sku(category);
    for (int i = 0; i < n; i++) {
      String type = i == 0 ? "screen_view" : r.nextDouble() < 0.7 ? "product_view" : "add_to_cart";
      Rec a = appBase(p, t, device, type);
      a.put("context.product", sku);
      a.put("context.category", category);
      emit(Source.APP, a, "id", "timestamp_ms");
      t += 5 + r.nextInt(120);
    }
    if (p.customer && r.nextDouble() < 0.2) {
      Rec a = appBase(p, t, device, "purchase");
      a.put("context.product", sku);
      a.put("context.category", category);
      a.put("context.value", money(category));
      a.put("context.currency", "EUR");
      emit(Source.APP, a, "id", "timestamp_ms");
    }
  }

  private void storeVisit(Person p, long t, boolean kiosk) {
    Rec pos = posBase(p, t, kiosk);
    String category = r.nextDouble() < 0.7 ? p.favouriteCategory : World.CATEGORIES[r.nextInt(World.CATEGORIES.length)];
    double u = r.nextDouble();
    String kind = kiosk ? (u < 0.5 ? "REDEEM" : "SALE") : (u < 0.93 ? "SALE" : "RETURN");
    pos.put("kind", kind);
    pos.put("sku", sku(category));
    pos.put("category", category);
    pos.put("qty", 1 + r.nextInt(3));
    pos.put("amount", kind.equals("RETURN") ? -money(category) : money(category));
    pos.put("currency", "EUR");
    if (r.nextDouble() < 0.6) {
      pos.put("customer_no", p.customerId);
    }
    if (p.phone != null && r.nextDouble() < 0.2) {
      pos.put("phone", phoneVariant(p.phone));
    }
    emit(Source.POS, pos, "txn_id", "local_time");
  }

  private void iot(Person p, long t) {
    Rec i = new Rec();
    i.put("msgId", "i" + next(Source.IOT));
    i.put("deviceSerial", "SN-" + p.devices[0].substring(2).toUpperCase(Locale.ROOT));
    i.put("owner.crmId", p.customerId);
    i.put("epoch", t + r.nextInt(1000) / 1000.0);
    i.put("metrics.kind", r.nextBoolean() ? "usage" : "battery");
    i.put("metrics.value", Math.round(r.nextDouble() * 1000) / 10.0);
    emit(Source.IOT, i, "msgId", "epoch");
  }

  private void email(Person p, long t, String event) {
    Rec e = new Rec();
    e.put("id", "e" + next(Source.EMAIL));
    e.put("event", event);
    e.put("recipient", emailVariant(p.email));
    e.put("ts", t);
    e.put("campaign", "wk" + (t / 604_800 % 52) + (p.niche ? "-eco" : "-promo"));
    if (event.equals("click")) {
      e.put("url", "https://shop.example.com/c/" + p.favouriteCategory);
    }
    emit(Source.EMAIL, e, "id", "ts");
  }

  private void social(Person p, long t, int mood, int day) {
    Rec s = new Rec();
    s.put("post_id", "s" + next(Source.SOCIAL));
    s.put("created_at", TWITTER_TIME.format(Instant.ofEpochSecond(t).atOffset(ZoneOffset.UTC)));
    s.put("author.handle", p.handle);
    if (p.email != null && r.nextDouble() < 0.15) {
      s.put("author.profile_email", emailVariant(p.email));
    }
    double u = r.nextDouble();
    if (p.following.length == 0 || u < 0.3) {
      s.put("kind", "post");
      int textMood = mood != 0 ? mood : (r.nextDouble() < 0.6 ? 1 : 0);
      s.put("text", TextMaker.sentence(r, textMood, p.favouriteCategory));
    } else {
      Person target = world.persons[p.following[r.nextInt(p.following.length)]];
      String kind = u < 0.55 ? "mention" : u < 0.7 ? "reply" : u < 0.85 ? "share" : u < 0.97 ? "follow" : "referral";
      s.put("kind", kind);
      s.put("target.handle", target.handle);
      if (!kind.equals("follow")) {
        s.put("text", TextMaker.sentence(r, mood, p.favouriteCategory) + " " + target.handle);
      }
      if (kind.equals("referral") && target.email != null) {
        s.put("target.email", target.email);
      }
    }
    s.put("lang", "en");
    emit(Source.SOCIAL, s, "post_id", "created_at");
  }

  private void support(Person p, long t, int mood, boolean allowTrap) {
    Rec c = new Rec();
    c.put("call_id", "CALL-" + next(Source.CALLCENTER));
    c.put("started_at", CALL_TIME.format(Instant.ofEpochSecond(t).atZone(NEW_YORK)));
    c.put("channel", r.nextDouble() < 0.7 ? "phone" : "chat");
    boolean trap = r.nextDouble() < 0.03 && allowTrap;
    c.put("caller_phone", trap ? World.TRAP_PHONE : p.phone != null ? phoneVariant(p.phone) : null);
    if (p.customerId != null && r.nextDouble() < 0.7) {
      c.put("crm_id", r.nextBoolean() ? p.customerId : p.customerId.toLowerCase(Locale.ROOT));
    }
    if (p.email != null && (c.get("crm_id") == null || r.nextDouble() < 0.3)) {
      c.put("email", emailVariant(p.email));
    }
    int agent = r.nextInt(world.agentQuality.length);
    // Unhappy customers on their way out are served more often by the weaker agents.
    if (p.churner && r.nextDouble() < 0.5) {
      agent = r.nextInt(world.agentQuality.length / 4);
    }
    double q = world.agentQuality[agent];
    c.put("agent", AGENT_IDS[agent]);
    boolean complaint = mood < 0 && !p.silent;
    c.put("reason", complaint ? "complaint" : new String[] {"billing", "delivery", "product", "account"}[r.nextInt(4)]);
    boolean resolved = r.nextDouble() < q;
    c.put("outcome", resolved ? "resolved" : r.nextBoolean() ? "unresolved" : "escalated");
    int csat = (int) Math.max(1, Math.min(5, Math.round(1 + 4 * q * (resolved ? 1 : 0.4) + r.nextGaussian() * 0.6 - (complaint ? 1 : 0))));
    c.put("csat", csat);
    String notes = TextMaker.sentence(r, complaint ? -1 : resolved ? 1 : 0, p.favouriteCategory);
    if (r.nextDouble() < 0.05 && p.phone != null) {
      notes = notes + ", call back on " + phoneVariant(p.phone);
    }
    c.put("notes", notes);
    emit(Source.CALLCENTER, c, "call_id", "started_at");
  }

  private void appReview(Person p, long t, int rating, String text) {
    Rec a = appBase(p, t, p.devices[0], "review");
    a.put("context.product", sku(p.favouriteCategory));
    a.put("context.category", p.favouriteCategory);
    a.put("review.rating", rating);
    a.put("review.text", text);
    emit(Source.APP, a, "id", "timestamp_ms");
  }

  private void crm(Person p, long t, String type, String channel, Integer rating, String text, String product) {
    Rec c = new Rec();
    c.put("record_id", "CRM-" + next(Source.CRM));
    c.put("occurred_at", CRM_TIME.format(Instant.ofEpochSecond(t).atOffset(ZoneOffset.UTC)));
    c.put("channel", channel);
    c.put("customer_id", p.customerId);
    c.put("email", p.email != null && (p.customerId == null || r.nextBoolean()) ? emailVariant(p.email) : null);
    if (p.customerId == null && p.email == null && p.phone != null) {
      c.put("phone", phoneVariant(p.phone));
    }
    c.put("loyalty_id", type.equals("loyalty_enroll") ? p.loyaltyId : null);
    c.put("record_type", type);
    c.put("product_id", product);
    c.put("rating", rating);
    c.put("text", text);
    if (type.equals("consent_change")) {
      c.put("consent_marketing", p.marketingConsent ? "yes" : "no");
    }
    emit(Source.CRM, c, "record_id", "occurred_at");
  }

  private Rec webBase(Person p, long t, String cookie, String type) {
    Rec w = new Rec();
    w.put("eventId", "w" + next(Source.WEB));
    w.put("ts", ISO_OFFSET.format(Instant.ofEpochSecond(t, r.nextInt(1000) * 1_000_000L).atZone(PARIS)));
    w.put("type", type);
    w.put("anonId", cookie);
    return w;
  }

  private Rec appBase(Person p, long t, String device, String type) {
    Rec a = new Rec();
    a.put("id", "a" + next(Source.APP));
    a.put("timestamp_ms", t * 1000 + r.nextInt(1000));
    a.put("event", type);
    a.put("device.id", device);
    a.put("device.os", device.charAt(2) < '8' ? "ios" : "android");
    a.put("user.customer_id", p.customerId);
    return a;
  }

  private Rec posBase(Person p, long t, boolean kiosk) {
    Rec pos = new Rec();
    pos.put("txn_id", "TX" + next(Source.POS));
    int store = p.household % STORES;
    pos.put("store_id", STORE_IDS[store]);
    pos.put("terminal", kiosk ? KIOSK_IDS[store % World.KIOSKS] : POS_IDS[store][r.nextInt(4)]);
    pos.put("local_time", POS_TIME.format(Instant.ofEpochSecond(t).atZone(PARIS)));
    pos.put("loyalty_card", p.loyaltyId);
    return pos;
  }

  // ---------------------------------------------------------------- noise, malformation, files

  private String emailVariant(String email) {
    double u = r.nextDouble();
    if (u < 0.7) {
      return email;
    }
    int at = email.indexOf('@');
    String local = email.substring(0, at);
    String domain = email.substring(at + 1);
    if (u < 0.85) {
      return Character.toUpperCase(local.charAt(0)) + local.substring(1) + "@" + domain.toUpperCase(Locale.ROOT);
    }
    if (domain.equals("gmail.com")) {
      return local.replace(".", "") + "@" + (r.nextBoolean() ? "gmail.com" : "googlemail.com");
    }
    return local + "+shop@" + domain;
  }

  private String phoneVariant(String phone) {
    String digits = phone.replaceAll("[^0-9]", "").substring(1);
    return switch (r.nextInt(4)) {
      case 0 -> phone;
      case 1 -> "(" + digits.substring(0, 3) + ") " + digits.substring(3, 6) + "-" + digits.substring(6);
      case 2 -> digits.substring(0, 3) + "-" + digits.substring(3, 6) + "-" + digits.substring(6);
      default -> "001 " + digits;
    };
  }

  private String sku(String category) {
    return "SKU-" + category.substring(0, 3).toUpperCase(Locale.ROOT) + "-" + (100 + r.nextInt(25));
  }

  private String product(Person p) {
    return sku(p.favouriteCategory);
  }

  private double money(String category) {
    double base = switch (category) {
      case "electronics" -> 180;
      case "home", "garden" -> 60;
      case "fashion", "sports", "eco-outdoor" -> 45;
      default -> 20;
    };
    return Math.round(base * Math.exp(0.5 * r.nextGaussian()) * 100) / 100.0;
  }

  private long next(Source s) {
    return ++counters[s.ordinal()];
  }

  private int poisson(double lambda) {
    double l = Math.exp(-lambda);
    int k = 0;
    double p = 1;
    do {
      k++;
      p *= r.nextDouble();
    } while (p > l && k < 50);
    return k - 1;
  }

  private int pick(double[] weights) {
    double total = 0;
    for (double w : weights) {
      total += w;
    }
    double u = r.nextDouble() * total;
    for (int i = 0; i < weights.length; i++) {
      u -= weights[i];
      if (u < 0 && weights[i] > 0) {
        return i;
      }
    }
    return 0;
  }

  private void emit(Source s, Rec rec, String idKey, String timeKey) {
    events++;
    Pending pending = new Pending(rec, idKey, timeKey);
    if (r.nextDouble() < o.lateRate()) {
      late++;
      tomorrow[s.ordinal()].add(pending);
    } else {
      today[s.ordinal()].add(pending);
    }
  }

  private void flushDay(LocalDate date, boolean lastDay) throws IOException {
    for (Source s : Source.values()) {
      List<Pending> recs = today[s.ordinal()];
      if (lastDay) {
        recs.addAll(tomorrow[s.ordinal()]);
        tomorrow[s.ordinal()].clear();
      }
      Path dir = o.landing().resolve(s.name).resolve(date.toString());
      Files.createDirectories(dir);
      Path file = dir.resolve(s.fileName());
      String relative = s.name + "/" + date + "/" + s.fileName();
      ByteArrayOutputStream buf = new ByteArrayOutputStream(1 << 16);
      long line = 0;
      if (s.csv) {
        writeLine(buf, String.join(",", s.columns));
        line++;
      }
      for (Pending pending : recs) {
        String text;
        String kind = null;
        if (r.nextDouble() < o.malformedRate()) {
          kind = malform(s, pending);
        }
        text = render(s, pending.rec);
        if ("truncated".equals(kind)) {
          text = text.substring(0, Math.max(1, text.length() / 2));
        } else if ("wrong_column_count".equals(kind)) {
          // An unquoted extra field: the row has one column more than the header.
          text = text + ",extra";
        }
        line++;
        writeLine(buf, text);
        if (kind != null) {
          malformed++;
          malformedTruth.add(s.name + "," + relative + "," + line + "," + kind);
        } else if (r.nextDouble() < o.duplicateRate()) {
          duplicates++;
          line++;
          writeLine(buf, text);
        }
      }
      linesWritten[s.ordinal()] += line - (s.csv ? 1 : 0);
      byte[] bytes = buf.toByteArray();
      try (OutputStream out = s.gzip ? new GZIPOutputStream(Files.newOutputStream(file)) : Files.newOutputStream(file)) {
        out.write(bytes);
      }
      recs.clear();
      List<Pending> swap = today[s.ordinal()];
      today[s.ordinal()] = tomorrow[s.ordinal()];
      tomorrow[s.ordinal()] = swap;
    }
  }

  /** Turns a record into one of the malformed kinds ingest must quarantine; returns the kind. */
  private String malform(Source s, Pending p) {
    String[] kinds = s.csv
        ? new String[] {"missing_id", "bad_timestamp", "future_timestamp", "wrong_type", "oversized_text", "bad_encoding", "wrong_column_count"}
        : new String[] {"truncated", "missing_id", "bad_timestamp", "future_timestamp", "wrong_type", "oversized_text", "bad_encoding"};
    String kind = kinds[malformedKind++ % kinds.length];
    Rec rec = p.rec;
    switch (kind) {
      case "missing_id" -> rec.put(p.idKey, null);
      case "bad_timestamp" -> rec.put(p.timeKey, "not-a-time");
      case "future_timestamp" -> rec.put(p.timeKey, futureTime(s));
      case "wrong_type" -> rec.put(amountKey(s), "twelve euros");
      case "oversized_text" -> rec.put(textKey(s), "x".repeat(20_000));
      case "bad_encoding" -> rec.put(textKey(s), "caf" + BAD_BYTES_MARK);
      default -> {}
    }
    return kind;
  }

  private String amountKey(Source s) {
    return switch (s) {
      case WEB -> "order.total";
      case APP -> "context.value";
      case POS -> "amount";
      case CALLCENTER -> "csat";
      case EMAIL -> "ts";
      case SOCIAL -> "created_at";
      case CRM -> "rating";
      case IOT -> "epoch";
    };
  }

  private String textKey(Source s) {
    return switch (s) {
      case WEB -> "query";
      case APP -> "review.text";
      case POS -> "sku";
      case CALLCENTER -> "notes";
      case EMAIL -> "campaign";
      case SOCIAL -> "text";
      case CRM -> "text";
      case IOT -> "metrics.kind";
    };
  }

  private Object futureTime(Source s) {
    long t = o.start().plusDays(o.days() + 400L).atStartOfDay(ZoneOffset.UTC).toEpochSecond();
    return switch (s) {
      case WEB -> ISO_OFFSET.format(Instant.ofEpochSecond(t).atZone(PARIS));
      case APP -> t * 1000;
      case POS -> POS_TIME.format(Instant.ofEpochSecond(t).atZone(PARIS));
      case CALLCENTER -> CALL_TIME.format(Instant.ofEpochSecond(t).atZone(NEW_YORK));
      case EMAIL -> t;
      case SOCIAL -> TWITTER_TIME.format(Instant.ofEpochSecond(t).atOffset(ZoneOffset.UTC));
      case CRM -> CRM_TIME.format(Instant.ofEpochSecond(t).atOffset(ZoneOffset.UTC));
      case IOT -> (double) t;
    };
  }

  private static String render(Source s, Rec rec) {
    return s.csv ? rec.csv(s.columns) : rec.json();
  }

  private static void writeLine(ByteArrayOutputStream buf, String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    // The mark as written raw (CSV) or JSON-escaped (JSON lines) becomes invalid UTF-8 bytes.
    String found = text.contains(BAD_BYTES_MARK) ? BAD_BYTES_MARK : text.contains(BAD_BYTES_JSON) ? BAD_BYTES_JSON : null;
    int mark = found == null ? -1 : text.indexOf(found);
    if (mark >= 0) {
      byte[] head = text.substring(0, mark).getBytes(StandardCharsets.UTF_8);
      byte[] tail = text.substring(mark + found.length()).getBytes(StandardCharsets.UTF_8);
      buf.write(head, 0, head.length);
      buf.write(0xC3);
      buf.write(0x28);
      buf.write(0xFF);
      buf.write(tail, 0, tail.length);
    } else {
      buf.write(bytes, 0, bytes.length);
    }
    buf.write('\n');
  }

  // ---------------------------------------------------------------- ground truth

  private void writeTruth() throws IOException {
    Path t = o.truth();
    StringBuilder persons = new StringBuilder("person_id,is_customer,community_id,is_influencer,is_churner,is_niche,household_id\n");
    StringBuilder ids = new StringBuilder("id_type,value,person_id\n");
    StringBuilder households = new StringBuilder("household_id,person_id\n");
    StringBuilder churners = new StringBuilder("person_id,churn_date,explicit_cancel,silent\n");
    StringBuilder consent = new StringBuilder("person_id,marketing_consent,unsubscribe_date\n");
    for (Person p : world.persons) {
      persons.append(p.personId).append(',').append(p.customer).append(',')
          .append(p.community >= 0 ? "C" + p.community : "").append(',').append(p.influencer).append(',')
          .append(p.churner && p.churnDay < o.days()).append(',').append(p.niche).append(',')
          .append("H").append(p.household).append('\n');
      households.append("H").append(p.household).append(',').append(p.personId).append('\n');
      id(ids, "cu", p.customerId, p);
      for (String c : p.cookies) {
        id(ids, "an", c, p);
      }
      for (String d : p.devices) {
        id(ids, "de", d, p);
      }
      id(ids, "em", p.email, p);
      id(ids, "ph", p.phone, p);
      id(ids, "lo", p.loyaltyId, p);
      id(ids, "so", p.handle, p);
      if (p.churner) {
        churners.append(p.personId).append(',').append(o.start().plusDays(p.churnDay)).append(',')
            .append(p.explicitCancel).append(',').append(p.silent).append('\n');
      }
      consent.append(p.personId).append(',').append(p.marketingConsent).append(',')
          .append(p.unsubscribed ? o.start().plusDays(p.unsubscribeDay).toString() : "").append('\n');
    }
    StringBuilder traps = new StringBuilder("id_type,value,reason\n");
    for (int k = 1; k <= World.KIOSKS; k++) {
      traps.append("de,").append(String.format("KIOSK-%02d", k)).append(",store kiosk shared by every loyalty member who uses it\n");
    }
    traps.append("em,").append(World.TRAP_EMAIL).append(",placeholder e-mail typed into sign-up forms by many prospects\n");
    traps.append("ph,").append(World.TRAP_PHONE).append(",placeholder phone number typed by call-centre agents\n");
    StringBuilder agents = new StringBuilder("agent_id,quality\n");
    for (int a = 0; a < world.agentQuality.length; a++) {
      agents.append(String.format("AG-%03d", a + 1)).append(',').append(String.format(Locale.ROOT, "%.3f", world.agentQuality[a])).append('\n');
    }
    StringBuilder bad = new StringBuilder("source,file,line,kind\n");
    for (String m : malformedTruth) {
      bad.append(m).append('\n');
    }
    Files.writeString(t.resolve("persons.csv"), persons);
    Files.writeString(t.resolve("identifiers.csv"), ids);
    Files.writeString(t.resolve("households.csv"), households);
    Files.writeString(t.resolve("churners.csv"), churners);
    Files.writeString(t.resolve("consent.csv"), consent);
    Files.writeString(t.resolve("traps.csv"), traps);
    Files.writeString(t.resolve("agents.csv"), agents);
    Files.writeString(t.resolve("malformed.csv"), bad);
  }

  private static void id(StringBuilder sb, String type, String value, Person p) {
    if (value != null) {
      sb.append(type).append(',').append(value).append(',').append(p.personId).append('\n');
    }
  }
}
