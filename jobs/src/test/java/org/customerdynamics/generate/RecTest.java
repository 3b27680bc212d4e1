package org.customerdynamics.generate;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RecTest {
  @Test
  void pathsWithTheSameParentFormOneObjectEvenWhenNotAdjacent() {
    Rec r =
        new Rec()
            .put("post_id", "s1")
            .put("target.handle", "@a")
            .put("text", "hi @a")
            .put("target.email", "a@x.org")
            .put("author.handle", "@b")
            .put("lang", null);

    assertThat(r.json())
        .isEqualTo(
            "{\"post_id\":\"s1\",\"target\":{\"handle\":\"@a\",\"email\":\"a@x.org\"},\"text\":\"hi @a\","
                + "\"author\":{\"handle\":\"@b\"}}");
  }
}
