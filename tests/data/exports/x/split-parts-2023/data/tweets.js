window.YTD.tweets.part0 = [
  {
    "tweet" : {
      "retweeted" : false,
      "source" : "<a href=\"https://mobile.twitter.com\" rel=\"nofollow\">Twitter Web App</a>",
      "entities" : {
        "hashtags" : [],
        "symbols" : [],
        "user_mentions" : [],
        "urls" : []
      },
      "display_text_range" : [
        "0",
        "22"
      ],
      "favorite_count" : "5",
      "id_str" : "1700000000000000001",
      "truncated" : false,
      "retweet_count" : "1",
      "id" : "1700000000000000001",
      "created_at" : "Mon Sep 04 08:00:00 +0000 2023",
      "favorited" : false,
      "full_text" : "Part zero, first tweet",
      "lang" : "en"
    }
  },
  {
    "tweet" : {
      "retweeted" : false,
      "source" : "<a href=\"https://mobile.twitter.com\" rel=\"nofollow\">Twitter Web App</a>",
      "entities" : {
        "hashtags" : [],
        "symbols" : [],
        "user_mentions" : [],
        "urls" : []
      },
      "display_text_range" : [
        "0",
        "23"
      ],
      "favorite_count" : "6",
      "id_str" : "1700000000000000002",
      "truncated" : false,
      "retweet_count" : "1",
      "id" : "1700000000000000002",
      "created_at" : "Tue Sep 05 08:00:00 +0000 2023",
      "favorited" : false,
      "full_text" : "Part zero, second tweet",
      "lang" : "en"
    }
  }
]