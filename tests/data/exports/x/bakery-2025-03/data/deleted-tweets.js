window.YTD.deleted_tweets.part0 = [
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
        "27"
      ],
      "favorite_count" : "0",
      "id_str" : "1895000000000000001",
      "truncated" : false,
      "retweet_count" : "0",
      "id" : "1895000000000000001",
      "created_at" : "Sat Mar 01 10:00:00 +0000 2025",
      "favorited" : false,
      "full_text" : "Closed today (typo, ignore)",
      "lang" : "en",
      "deleted_at" : "Sat Mar 01 10:05:00 +0000 2025"
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
      "favorite_count" : "0",
      "id_str" : "1895000000000000002",
      "truncated" : false,
      "retweet_count" : "0",
      "id" : "1895000000000000002",
      "created_at" : "Sat Mar 01 10:01:00 +0000 2025",
      "favorited" : false,
      "full_text" : "Test post please ignore",
      "lang" : "en",
      "deleted_at" : "Sat Mar 01 10:05:00 +0000 2025"
    }
  }
]