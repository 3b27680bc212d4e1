package org.customerdynamics.social;

import static org.assertj.core.api.Assertions.assertThat;
import static org.customerdynamics.social.SocialFixtures.event;
import static org.customerdynamics.social.SocialFixtures.identityMap;
import static org.customerdynamics.social.SocialFixtures.interactions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.customerdynamics.common.Identifiers;
import org.customerdynamics.common.Lakehouse;
import org.customerdynamics.common.config.CdxConfig;
import org.customerdynamics.social.SocialFixtures.Event;
import org.customerdynamics.testing.SparkTestBase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A seeded social graph planted the way the generator plants it (World: communities of 20-80
 * persons, one influencer per community, 90% of a person's ties inside the community and 35% of
 * those to its influencer), each person known by a handle and an e-mail (counterparts named by
 * either), with the ground truth written as the generator writes it. The job must recover the
 * communities (NMI &gt;= 0.8) and put the planted influencers in the top 5% by influence, as on the
 * demo data; this runs the same check on a graph the test controls, without the upstream jobs.
 */
class SocialPlantedGraphTest extends SparkTestBase {
  private static final LocalDate D = LocalDate.parse("2026-01-31");

  @Test
  void plantedCommunitiesAndInfluencersAreRecovered(@TempDir Path dir) throws IOException {
    CdxConfig config = config(dir, "social.window-days=60");
    Lakehouse lakehouse = lakehouse(config);
    String secret = config.privacy().hashKey();
    Random random = new Random(42);
    int[] sizes = {24, 61, 35, 78, 47, 30};
    List<List<Integer>> groups = new ArrayList<>();
    int next = 0;
    for (int size : sizes) {
      List<Integer> members = new ArrayList<>();
      for (int i = 0; i < size; i++) {
        members.add(next++);
      }
      groups.add(members);
    }
    int persons = next;
    StringBuilder truthPersons =
        new StringBuilder("person_id,is_customer,community_id,is_influencer,is_churner,is_niche,household_id\n");
    StringBuilder truthIds = new StringBuilder("id_type,value,person_id\n");
    Map<String, String> map = new LinkedHashMap<>();
    List<Integer> influencers = new ArrayList<>();
    for (int g = 0; g < groups.size(); g++) {
      List<Integer> members = groups.get(g);
      influencers.add(members.get(0));
      for (int p : members) {
        boolean influencer = influencers.contains(p);
        truthPersons.append(String.format("T%d,false,%d,%s,false,false,%n", p, g, influencer));
        truthIds.append(String.format("so,@user%d,T%d%n", p, p));
        truthIds.append(String.format("em,user%d@example.com,T%d%n", p, p));
        map.put("so:" + Identifiers.key(secret, "so", "@user" + p, "1"), "person-" + p);
        map.put("em:" + Identifiers.key(secret, "em", "user" + p + "@example.com", "1"), "person-" + p);
      }
    }
    int[] community = new int[persons];
    for (int g = 0; g < groups.size(); g++) {
      for (int p : groups.get(g)) {
        community[p] = g;
      }
    }
    String[] types = {"mention", "reply", "share", "follow", "referral"};
    List<Event> events = new ArrayList<>();
    Instant end = D.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
    for (int p = 0; p < persons; p++) {
      List<Integer> own = groups.get(community[p]);
      int count = 6 + random.nextInt(6);
      for (int k = 0; k < count; k++) {
        int to;
        if (random.nextDouble() < 0.9) {
          to = random.nextDouble() < 0.35 ? own.get(0) : own.get(random.nextInt(own.size()));
        } else {
          to = random.nextInt(persons);
        }
        if (to != p) {
          events.add(socialEvent(events.size(), types[random.nextInt(types.length)], p, to, end, random, secret));
        }
      }
    }
    lakehouse.overwrite(interactions(spark(), events.toArray(new Event[0])), "silver.interactions", "event_date");
    lakehouse.overwrite(identityMap(spark(), map), "silver.identity_map");
    Path truth = Files.createDirectories(dir.resolve("truth"));
    Files.writeString(truth.resolve("persons.csv"), truthPersons);
    Files.writeString(truth.resolve("identifiers.csv"), truthIds);

    SocialJob.Summary summary = new SocialJob(spark(), config).run(D, Optional.of(truth.toString()));
    System.out.println(summary.describe());

    assertThat(summary.persons()).isEqualTo(persons);
    assertThat(summary.truthPersonsScored()).isEqualTo(persons);
    assertThat(summary.nmi()).isGreaterThanOrEqualTo(0.8);
    assertThat(summary.influencerHitRate()).isGreaterThanOrEqualTo(0.8);
    assertThat(summary.pagerankConverged()).isTrue();
    assertThat(summary.lpaStop()).isNotEqualTo("max-iterations");
  }

  private static Event socialEvent(
      int n, String type, int from, int to, Instant end, Random random, String secret) {
    Instant at = end.minusSeconds(1 + random.nextInt(59 * 86400));
    Event e =
        event("x" + n, type, at.toString())
            .by("person-" + from, "so:" + Identifiers.key(secret, "so", "@user" + from, "1"));
    // Referrals run from the referred to the referrer: the actor of a planted "to <- from" referral is
    // the referrer, so it is written the other way round to keep attention flowing to "to".
    if (type.equals("referral")) {
      e =
          event("x" + n, type, at.toString())
              .by("person-" + to, "so:" + Identifiers.key(secret, "so", "@user" + to, "1"));
      return random.nextBoolean()
          ? e.toSocial(Identifiers.key(secret, "so", "@user" + from, "1"))
          : e.toEmail(Identifiers.key(secret, "em", "user" + from + "@example.com", "1"));
    }
    return random.nextBoolean()
        ? e.toSocial(Identifiers.key(secret, "so", "@user" + to, "1"))
        : e.toEmail(Identifiers.key(secret, "em", "user" + to + "@example.com", "1"));
  }
}
