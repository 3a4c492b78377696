window.YTD.tweets.part1 = [
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
        "21"
      ],
      "favorite_count" : "7",
      "id_str" : "1700000000000000003",
      "truncated" : false,
      "retweet_count" : "1",
      "id" : "1700000000000000003",
      "created_at" : "Wed Sep 06 08:00:00 +0000 2023",
      "favorited" : false,
      "full_text" : "Part one, first tweet",
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
        "22"
      ],
      "favorite_count" : "8",
      "id_str" : "1700000000000000004",
      "truncated" : false,
      "retweet_count" : "1",
      "id" : "1700000000000000004",
      "created_at" : "Thu Sep 07 08:00:00 +0000 2023",
      "favorited" : false,
      "full_text" : "Part one, second tweet",
      "lang" : "en"
    }
  }
]