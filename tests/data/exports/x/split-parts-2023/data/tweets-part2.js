window.YTD.tweets.part2 = [
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
        "20"
      ],
      "favorite_count" : "9",
      "id_str" : "1700000000000000005",
      "truncated" : false,
      "retweet_count" : "1",
      "id" : "1700000000000000005",
      "created_at" : "Fri Sep 08 08:00:00 +0000 2023",
      "favorited" : false,
      "full_text" : "Part two, only tweet",
      "lang" : "en"
    }
  }
]